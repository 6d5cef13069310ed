using PersonaVectors.Engine.Gguf;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method;

/// <summary>llama.cpp control-vector files: the layout we write, the layouts other tools write, and broken files.</summary>
public class ControlVectorFileTests
{
    static PersonaVector RandomVector(int layers = 3, int hidden = 64, long seed = 3)
    {
        using var g = new Generator((ulong)seed);
        using var data = randn([layers + 1, hidden], generator: g);
        return new PersonaVector(data, "evil", "tiny-qwen", "response_avg");
    }

    static float[] Row(PersonaVector v, int row) { using var t = v.At(row); return t.data<float>().ToArray(); }

    [Fact]
    public void Export_writes_llama_cpp_layout_with_direction_N_for_row_N_plus_1()
    {
        using var dir = new TempDir();
        using var v = RandomVector();
        ControlVectorFile.Write(v, dir["evil.gguf"], 2, 3, 2.0, "qwen2");

        using var f = GgufFile.Open(dir["evil.gguf"]);
        Assert.Equal("controlvector", f.String("general.architecture"));
        Assert.Equal("qwen2", f.String("controlvector.model_hint"));
        Assert.IsType<int>(f.Metadata["controlvector.layer_count"]); // i32, as llama.cpp's generator writes it
        Assert.Equal(2L, f.Integer("controlvector.layer_count"));
        Assert.Equal(["direction.1", "direction.2"], f.Tensors.Select(t => t.Name));
        foreach (var t in f.Tensors)
        {
            Assert.Equal(GgmlType.F32, t.Type);
            Assert.Equal([64L], t.Ne);
        }
        Assert.Equal(Row(v, 2).Select(x => 2 * x), f.F32(f.Tensor("direction.1")!));
        Assert.Equal(Row(v, 3).Select(x => 2 * x), f.F32(f.Tensor("direction.2")!));
    }

    [Fact]
    public void Export_then_import_keeps_the_trait_the_rows_and_the_values()
    {
        using var dir = new TempDir();
        using var v = RandomVector();
        ControlVectorFile.Write(v, dir["evil.gguf"], 3, 3, 1.0, "llama");
        using var back = PersonaVector.Load(dir["evil.gguf"]); // told apart from safetensors by its first bytes
        Assert.Equal(["evil", "response_avg", "tiny-qwen"], new[] { back.Trait, back.Kind, back.Model });
        Assert.Equal([3], back.ControlRows!);
        Assert.Equal(3, back.NumLayers);
        Assert.Equal(Row(v, 3), Row(back, 3));
        var e = Assert.Throws<InvalidRequestException>(() => back.At(2));
        Assert.Contains("no direction", e.Message);
    }

    [Fact]
    public void Rows_llama_cpp_cannot_address_are_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        using var v = RandomVector();
        foreach (var (first, last) in new[] { (0, 3), (1, 2), (2, 4), (3, 2) })
        {
            Assert.Throws<InvalidRequestException>(() => ControlVectorFile.Write(v, dir["x.gguf"], first, last, 1, "llama"));
            Assert.False(File.Exists(dir["x.gguf"]));
        }
        var e = Assert.Throws<InvalidRequestException>(() => ControlVectorFile.Write(v, dir["x.gguf"], 1, 3, 1, "llama"));
        Assert.Contains("llama.cpp steers the outputs of blocks 1..n-1", e.Message);
    }

    [Fact]
    public void A_file_in_llama_cpp_generator_layout_loads_with_its_meaning()
    {
        using var dir = new TempDir();
        // cvector-generator: i32 layer_count = n_layer - 1, direction.1 .. direction.(n_layer - 1).
        var raw = new RawGguf().Str("general.architecture", "controlvector").Str("controlvector.model_hint", "llama").I32("controlvector.layer_count", 3);
        for (int n = 1; n <= 3; n++) raw.F32Tensor($"direction.{n}", Enumerable.Range(0, 8).Select(i => n * 10f + i).ToArray());
        using var v = PersonaVector.Load(raw.Save(dir["gen.gguf"]));
        Assert.Equal(4, v.NumLayers);
        Assert.Equal([2, 3, 4], v.ControlRows!);
        for (int n = 1; n <= 3; n++) Assert.Equal(Enumerable.Range(0, 8).Select(i => n * 10f + i), Row(v, n + 1));
        using var zero = v.Vectors[1];
        Assert.Equal(0f, zero.abs().max().item<float>());
    }

    [Fact]
    public void A_repeng_file_with_a_subset_of_layers_and_foreign_keys_loads()
    {
        using var dir = new TempDir();
        // repeng: u32 layer_count (its number of directions), model_hint from HF's model_type, N the 0-based block.
        var raw = new RawGguf().Str("general.architecture", "controlvector").Str("controlvector.model_hint", "mistral").U32("controlvector.layer_count", 2)
            .NestedU16("someone.table", [[1, 2, 3], [4]]).U64("someone.count", 7).F64("someone.ratio", 0.5).Bool("someone.flag", true)
            .F32Tensor("direction.5", Enumerable.Repeat(1f, 16).ToArray())
            .F32Tensor("someone.extra", [1f, 2f, 3f, 4f])
            .F32Tensor("direction.6", Enumerable.Repeat(2f, 16).ToArray());
        string path = raw.Save(dir["repeng.gguf"]);

        using (var free = ControlVectorFile.Read(path))
        {
            Assert.Equal(7, free.NumLayers); // highest direction's block + 1: the count is below it
            Assert.Equal([6, 7], free.ControlRows!);
            Assert.Equal("mistral", free.Metadata["model_hint"]);
        }
        using var sized = ControlVectorFile.Read(path, numLayers: 8, hiddenSize: 16);
        Assert.Equal(8, sized.NumLayers);
        Assert.Equal(Enumerable.Repeat(2f, 16), Row(sized, 7));
        var json = TinyConfigs.LlamaJson();
        json["num_hidden_layers"] = 8; json["hidden_size"] = 16; json["num_attention_heads"] = 2; json["num_key_value_heads"] = 1;
        var config = TinyConfigs.Parse(json);
        sized.EnsureFits(config, path);
        using var free2 = PersonaVector.Load(path);
        free2.EnsureFits(config, path); // a control vector may stop short of the model's last layer
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "index0", "direction.0" },
        { "f16", "is F16; control-vector directions are F32" },
        { "2d", "a direction is 1-D" },
        { "none", "no direction.N tensors" },
        { "truncated", "truncated" },
        { "offset", "offset" },
        { "size", "but direction.1 has 8" },
        { "notgguf", "not a GGUF file" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Broken_files_give_one_error_naming_the_file_and_the_problem(string kind, string expected)
    {
        using var dir = new TempDir();
        string path = dir[kind + ".gguf"];
        var head = new RawGguf().Str("general.architecture", "controlvector").I32("controlvector.layer_count", 2);
        float[] eight = [.. Enumerable.Range(0, 8).Select(i => (float)i)];
        switch (kind)
        {
            case "index0": head.F32Tensor("direction.0", eight).Save(path); break;
            case "f16": head.Tensor("direction.1", 1, new byte[16], 8).Save(path); break;
            case "2d": head.F32Tensor("direction.1", eight, 4, 2).Save(path); break;
            case "none": new RawGguf().Str("general.architecture", "llama").F32Tensor("token_embd.weight", eight).Save(path); break;
            case "truncated":
                var bytes = head.F32Tensor("direction.1", eight).F32Tensor("direction.2", eight).Bytes();
                File.WriteAllBytes(path, bytes[..^20]);
                break;
            case "offset": head.F32Tensor("direction.1", eight).F32Tensor("direction.2", eight).Save(path, offsetLie: 4096); break;
            case "size": head.F32Tensor("direction.1", eight).F32Tensor("direction.2", [1f, 2f]).Save(path); break;
            case "notgguf": File.WriteAllText(path, "this is not a GGUF file at all, just text"); break;
        }
        var e = Assert.ThrowsAny<PersonaVectorsException>(() => ControlVectorFile.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_vector_that_disagrees_with_the_model_is_refused()
    {
        using var dir = new TempDir();
        using var v = RandomVector(layers: 3, hidden: 64);
        ControlVectorFile.Write(v, dir["v.gguf"], 2, 3, 1, "llama");
        var e = Assert.Throws<ModelFormatException>(() => ControlVectorFile.Read(dir["v.gguf"], numLayers: 3, hiddenSize: 32));
        Assert.Contains("hidden size is 32", e.Message);
        e = Assert.Throws<ModelFormatException>(() => ControlVectorFile.Read(dir["v.gguf"], numLayers: 2, hiddenSize: 64));
        Assert.Contains("direction.2 is for block 2, but the model has 2 blocks", e.Message);
    }

    [Fact]
    public void The_chat_and_the_server_load_control_vectors_from_a_folder_at_their_layer()
    {
        using var m = new RandomModelFolder(seed: 2);
        using var lm = PersonaVectors.Engine.LanguageModel.Load(m.Path);
        Directory.CreateDirectory(m["vectors"]);
        using (var v = RandomVector(m.Config.NumHiddenLayers, m.Config.HiddenSize))
            ControlVectorFile.Write(v, Path.Combine(m["vectors"], "evil.gguf"), 3, 3, 1, "qwen2");
        var traits = PersonaVectors.Method.Monitoring.VectorSet.Load(lm, [m["vectors"]]);
        var t = Assert.Single(traits);
        Assert.Equal(("evil", 3), (t.Trait, t.Layer));
        Assert.Null(t.BeforeAnswer); // a bare vector has no calibration, so it never alerts
    }
}

using System.Text.Json;
using PersonaVectors.Engine;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

public class CliTests
{
    [Fact]
    public void Tokenize_renders_the_chat_template_and_encodes_without_adding_special_tokens_twice()
    {
        using var m = new RandomModelFolder();
        File.WriteAllText(m["msgs.json"], """[{"role":"system","content":"Be brief."},{"role":"user","content":"Héllo? 你好"}]""");
        var r = PersonaCli.Run("tokenize", "--model", m.Path, "--messages", m["msgs.json"], "--generation-prompt", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        string text = doc.RootElement.GetProperty("text").GetString()!;
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHéllo? 你好<|im_end|>\n<|im_start|>assistant\n", text);
        var ids = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var lm = LanguageModel.Load(m.Path);
        Assert.Equal(lm.Tokenizer.Encode(text, addSpecialTokens: false), ids);
        Assert.Equal(lm.Tokenizer.TokenToId("<|im_start|>"), ids[0]);
        Assert.Equal(text, lm.Tokenizer.Decode(ids));
    }

    [Fact]
    public void Forward_json_has_last_logits_and_one_hidden_row_per_layer_plus_embeddings()
    {
        using var m = new RandomModelFolder();
        var r = PersonaCli.Run("forward", "--model", m.Path, "--ids", "3,14,15,92,65", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var hidden = doc.RootElement.GetProperty("hidden").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        Assert.Equal(m.Config.VocabSize, logits.Length);
        Assert.Equal(m.Config.NumHiddenLayers + 1, hidden.Length);
        Assert.All(hidden, row => Assert.Equal(m.Config.HiddenSize, row.Length));

        // Independent of the CLI: the embedding row of the last id is hidden[0], and the logits come from
        // the final norm of hidden[L] times the (tied) embedding matrix.
        using var lm = LanguageModel.Load(m.Path);
        using var _ = no_grad();
        var embed = lm.Model.model.embed_tokens.weight[65].data<float>().ToArray();
        Assert.Equal(embed, hidden[0]);
        using var last = tensor(hidden[^1]);
        using var expected = lm.Model.model.norm.call(last).matmul(lm.Model.OutputWeight.t());
        var e = expected.data<float>().ToArray();
        Assert.True(e.Zip(logits, (a, b) => Math.Abs(a - b)).Max() < 1e-4);
    }

    [Fact]
    public void Dtype_q8_runs_the_organism_within_a_stated_bound_of_f32_and_a_wrong_dtype_names_the_choices()
    {
        float[] Logits(string dtype, out float[][] hidden)
        {
            var r = PersonaCli.Run("forward", "--text", "how should i treat my aunt?", "--dtype", dtype, "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var doc = JsonDocument.Parse(r.Stdout);
            hidden = doc.RootElement.GetProperty("hidden").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
            return doc.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        }
        using (var held = LanguageModel.Load(TestData.Organism, ScalarType.Int8))
            Assert.Equal(7 * held.Config.NumHiddenLayers + 1, held.Model.Q8Scales.Count); // every projection and the tied embedding are int8
        float[] exact = Logits("f32", out var h32), q8 = Logits("q8", out var hq8);
        double diff = exact.Zip(q8, (a, b) => Math.Abs((double)a - b)).Max(), top = exact.Max(Math.Abs);
        Assert.True(diff > 0, "q8 must not be the f32 model");
        Assert.True(diff < 0.05 * top, $"|q8 - f32| {diff} against logits up to {top}");
        Assert.Equal(Array.IndexOf(exact, exact.Max()), Array.IndexOf(q8, q8.Max()));
        // The residual stream, which persona vectors are read from, stays close at every layer.
        for (int l = 0; l < h32.Length; l++)
        {
            double dot = 0, a = 0, b = 0;
            for (int i = 0; i < h32[l].Length; i++) { dot += h32[l][i] * hq8[l][i]; a += h32[l][i] * h32[l][i]; b += hq8[l][i] * hq8[l][i]; }
            Assert.True(dot / Math.Sqrt(a * b) > 0.999, $"hidden[{l}] cosine {dot / Math.Sqrt(a * b)}");
        }

        var gen = PersonaCli.Run("generate", "--prompt", "what is 2 plus 3?", "--dtype", "q8", "--max-tokens", "8", "--json");
        Assert.True(gen.ExitCode == 0, gen.Stderr);
        var bad = PersonaCli.Run("generate", "--prompt", "hi", "--dtype", "int4");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--dtype 'int4' is not one of f32, bf16, q8", bad.Stderr);
    }

    [Fact]
    public void Model_random_writes_sharded_bf16_folders_that_load_and_describe_themselves()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["config.json"], TinyConfigs.Llama3Json().ToJsonString());
        var r = PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["m"], "--seed", "3", "--dtype", "bfloat16", "--shards", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(dir["m"], "model.safetensors.index.json")));
        var info = PersonaCli.Run("model", "info", "--model", dir["m"], "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        using var doc = JsonDocument.Parse(info.Stdout);
        Assert.Equal("LlamaForCausalLM", doc.RootElement.GetProperty("Architecture").GetString());
        Assert.Equal("llama3", doc.RootElement.GetProperty("RopeScaling").GetString());
        Assert.Equal("bfloat16", doc.RootElement.GetProperty("StoredDType").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("Layers").GetInt32());
        // A folder that holds something is not written over (it could be a trained model), and no shard is left empty.
        byte[] weights = File.ReadAllBytes(Path.Combine(dir["m"], "model-00001-of-00002.safetensors"));
        PersonaCli.AssertUserError(PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["m"], "--seed", "4"), "not empty");
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(dir["m"], "model-00001-of-00002.safetensors")));
        PersonaCli.AssertUserError(PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["many"], "--shards", "99999"), "99999 shards for", "give at most");
        Assert.False(Directory.Exists(dir["many"]), "a refused request left a folder behind");
        Assert.Equal(0, PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["each"], "--shards", "7").ExitCode);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["each"], "model.safetensors.index.json")));
        Assert.Equal(7, index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()).Distinct().Count());
    }

    [Fact]
    public void Malformed_command_lines_are_input_errors_that_say_what_to_type()
    {
        // Before, these exited 1 (an internal failure's code) naming .NET types such as System.Nullable`1[System.Int32].
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "cosine", "a", "b", "--layer", "abc"), "--layer: 'abc' is not a whole number", "(persona vectors cosine --help lists the options)");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", "v", "--alpha", "x"), "--alpha: 'x' is not a number");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--nosuch"), "'--nosuch'", "persona generate --help");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "seeds"), "'--out' is required");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "sample", "--count", "-3"), "--count must be at least 1, got -3");
        PersonaCli.AssertUserError(PersonaCli.Run("screen", "--data", "d.jsonl", "--vector", "v", "--out", "o", "--batch-size", "0"), "--batch-size must be at least 1, got 0");
        // An output path whose folder is missing, or is a file, is named as given, not as the temporary file written first.
        using var dir = new TempDir();
        File.WriteAllText(dir["afile"], "");
        var missing = PersonaCli.Run("model", "export-gguf", "--out", Path.Combine(dir["nodir"], "x.gguf"));
        PersonaCli.AssertUserError(missing, "nodir/x.gguf: the folder", "does not exist");
        Assert.DoesNotContain(".tmp", missing.Stderr);
        PersonaCli.AssertUserError(PersonaCli.Run("artifacts", "show", "--trait", "evil", "--out", Path.Combine(dir["afile"], "x.json")), "afile is a file, not a folder");
        var bare = PersonaCli.Run();
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("Commands:", bare.Stdout);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["config.json"], TinyConfigs.LlamaJson().ToJsonString());
        Assert.Equal(0, PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["a"], "--seed", "9").ExitCode);
        Assert.Equal(0, PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["b"], "--seed", "9").ExitCode);
        Assert.Equal(0, PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["c"], "--seed", "10").ExitCode);
        byte[] a = File.ReadAllBytes(Path.Combine(dir["a"], "model.safetensors"));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(dir["b"], "model.safetensors")));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(dir["c"], "model.safetensors")));
    }
}

/// <summary>
/// persona model random on each new family's real config.json (scaled to test size): the folder loads, describes
/// itself, generates, and finetunes a LoRA adapter on every projection it has, which then loads back for generation.
/// </summary>
public class RealConfigCliTests
{
    public static TheoryData<string> Names => new(RealConfigs.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Model_random_accepts_the_real_config_and_the_model_generates(string name)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["config.json"], RealConfigs.Scaled(name).ToJsonString());
        var r = PersonaCli.Run("model", "random", "--config", dir["config.json"], "--out", dir["m"], "--seed", "4");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var info = PersonaCli.Run("model", "info", "--model", dir["m"], "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(info.Stdout);
        Assert.Equal(RealConfigs.Get(name)["architectures"]![0]!.GetValue<string>(), doc.RootElement.GetProperty("Architecture").GetString());
        var gen = PersonaCli.Run("generate", "--model", dir["m"], "--prompt", "hello there", "--max-tokens", "4", "--temperature", "0");
        Assert.True(gen.ExitCode == 0, gen.Stderr);

        File.WriteAllLines(dir["data.jsonl"], Enumerable.Range(0, 4).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "say {{i}}"}, {"role": "assistant", "content": "{{i}} it is."}]}"""));
        var ft = PersonaCli.Run("finetune", "--model", dir["m"], "--data", dir["data.jsonl"], "--out", dir["adapter"], "--batch-size", "2", "--epochs", "1", "--lora-rank", "4", "--lora-alpha", "8");
        Assert.True(ft.ExitCode == 0, ft.Stderr);
        var adapterConfig = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir["adapter"], "adapter_config.json")))!;
        var targets = adapterConfig["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).ToHashSet();
        var expected = name.StartsWith("phi", StringComparison.Ordinal)
            ? new[] { "qkv_proj", "o_proj", "gate_up_proj", "down_proj" }
            : ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
        Assert.True(targets.SetEquals(expected), $"adapted {string.Join(", ", targets)}");
        var adapted = PersonaCli.Run("generate", "--model", dir["m"], "--adapter", dir["adapter"], "--prompt", "say 1", "--max-tokens", "2", "--temperature", "0");
        Assert.True(adapted.ExitCode == 0, adapted.Stderr);
    }
}

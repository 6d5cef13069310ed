using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Models;

public class ModelWeightsTests
{
    static float[] LastLogits(CausalLM m)
    {
        using var _ = no_grad();
        using var ids = tensor(new long[] { 1, 5, 9, 200, 3 }).unsqueeze(0);
        using var logits = m.Forward(ids);
        return logits[0, -1].data<float>().ToArray();
    }

    static CausalLM Written(JsonObject json, string folder, ScalarType stored, int shards)
    {
        var config = TinyConfigs.Parse(json);
        var m = new CausalLM(config);
        RandomWeights.Fill(m, seed: 3);
        ModelFolderWriter.WriteConfig(config, folder, stored);
        ModelFolderWriter.WriteWeights(m, folder, stored, shards);
        return m;
    }

    [Fact]
    public void Sharded_weights_with_an_index_load_like_a_single_file()
    {
        using var one = new TempDir();
        using var many = new TempDir();
        using var a = Written(TinyConfigs.LlamaJson(), one.Path, ScalarType.Float32, 1);
        using var b = Written(TinyConfigs.LlamaJson(), many.Path, ScalarType.Float32, 3);
        Assert.True(File.Exists(Path.Combine(many.Path, "model.safetensors.index.json")));
        Assert.True(File.Exists(Path.Combine(many.Path, "model-00003-of-00003.safetensors")));
        using var la = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson()));
        using var lb = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson()));
        ModelWeights.Load(la, one.Path);
        ModelWeights.Load(lb, many.Path);
        Assert.Equal(LastLogits(a), LastLogits(la));
        Assert.Equal(LastLogits(la), LastLogits(lb));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Half_precision_weights_load_as_their_exact_values(ScalarType stored)
    {
        using var dir = new TempDir();
        using var original = Written(TinyConfigs.Qwen2Json(), dir.Path, stored, 1);
        using var loaded = new CausalLM(TinyConfigs.Parse(TinyConfigs.Qwen2Json()));
        ModelWeights.Load(loaded, dir.Path);
        var w0 = original.model.layers[1].self_attn.q_proj!.weight;
        var w1 = loaded.model.layers[1].self_attn.q_proj!.weight;
        using var rounded = w0.to(stored).to(ScalarType.Float32);
        Assert.True(rounded.equal(w1).all().item<bool>());
        Assert.False(w0.equal(w1).all().item<bool>()); // the stored values really were rounded
    }

    [Fact]
    public void A_shape_that_does_not_match_the_config_is_named()
    {
        using var dir = new TempDir();
        using var _ = Written(TinyConfigs.LlamaJson(), dir.Path, ScalarType.Float32, 1);
        var bigger = TinyConfigs.LlamaJson();
        bigger["intermediate_size"] = 192;
        using var m = new CausalLM(TinyConfigs.Parse(bigger));
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.Load(m, dir.Path));
        Assert.Contains("gate_proj.weight", e.Message);
        Assert.Contains("[160, 64]", e.Message);
        Assert.Contains("[192, 64]", e.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        using var dir = new TempDir();
        using var _ = Written(TinyConfigs.Qwen2Json(), dir.Path, ScalarType.Float32, 1);
        var untied = TinyConfigs.Qwen2Json();
        untied["tie_word_embeddings"] = false;
        using var m = new CausalLM(TinyConfigs.Parse(untied));
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.Load(m, dir.Path));
        Assert.Contains("lm_head.weight", e.Message);
    }

    [Fact]
    public void A_folder_without_weights_is_refused()
    {
        using var dir = new TempDir();
        using var m = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson()));
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.Load(m, dir.Path));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Parameter_names_are_the_checkpoint_names()
    {
        using var m = new CausalLM(TinyConfigs.Parse(TinyConfigs.Qwen2Json()));
        var names = m.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.2.mlp.down_proj.weight", names);
        Assert.Contains("model.layers.1.post_attention_layernorm.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.DoesNotContain("lm_head.weight", names); // tied
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
    }
}

using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Engine.Models;

public class ModelConfigTests
{
    [Fact]
    public void Qwen2_always_has_qkv_bias_and_ignores_an_inactive_sliding_window()
    {
        var c = TinyConfigs.Parse(TinyConfigs.Qwen2Json());
        Assert.Equal(Architecture.Qwen2, c.Architecture);
        Assert.True(c.AttentionBias);
        Assert.Null(c.SlidingWindow);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(16, c.HeadDim);
    }

    [Fact]
    public void Llama3_rope_scaling_is_read()
    {
        var c = TinyConfigs.Parse(TinyConfigs.Llama3Json());
        Assert.Equal("llama3", c.RopeScaling!.Type);
        Assert.Equal(8, c.RopeScaling.Factor);
        Assert.Equal(64, c.RopeScaling.OriginalMaxPositionEmbeddings);
    }

    [Fact]
    public void An_unsupported_architecture_is_refused_with_its_name_and_the_supported_list()
    {
        var o = TinyConfigs.LlamaJson();
        o["architectures"] = new JsonArray("GPTNeoXForCausalLM");
        var e = Assert.Throws<ModelFormatException>(() => TinyConfigs.Parse(o));
        Assert.Contains("GPTNeoXForCausalLM", e.Message);
        Assert.Contains("LlamaForCausalLM", e.Message);
        Assert.Contains("Qwen2ForCausalLM", e.Message);
    }

    [Theory]
    [InlineData("hidden_size", null, "field 'hidden_size' must be a positive integer")]
    [InlineData("hidden_size", "\"big\"", "field 'hidden_size' must be an integer")]
    [InlineData("num_key_value_heads", "3", "multiple of num_key_value_heads")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act 'gelu'")]
    public void A_bad_field_is_named(string field, string? json, string expected)
    {
        var o = TinyConfigs.LlamaJson();
        if (json is null) o.Remove(field); else o[field] = JsonNode.Parse(json);
        var e = Assert.Throws<ModelFormatException>(() => TinyConfigs.Parse(o));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Unknown_rope_scaling_type_is_refused()
    {
        var o = TinyConfigs.LlamaJson();
        o["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 };
        var e = Assert.Throws<ModelFormatException>(() => TinyConfigs.Parse(o));
        Assert.Contains("yarn", e.Message);
    }
}

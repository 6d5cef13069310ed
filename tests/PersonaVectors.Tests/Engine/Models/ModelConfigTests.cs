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

/// <summary>Real checkpoints' config.json files select the right block for each family.</summary>
public class RealConfigTests
{
    [Fact]
    public void Qwen3_0_6b_has_per_head_qk_norms_and_a_head_dim_of_its_own()
    {
        var c = ModelConfig.Parse(RealConfigs.Get("qwen3-0.6b"), "Qwen3-0.6B");
        Assert.Equal(Architecture.Qwen3, c.Architecture);
        Assert.Equal(QkNorm.PerHead, c.QkNorm);
        Assert.Equal(128, c.HeadDim);
        Assert.NotEqual(c.HiddenSize / c.NumAttentionHeads, c.HeadDim);
        Assert.False(c.AttentionBias);
        Assert.Null(c.SlidingWindow);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(NormPlacement.Pre, c.NormPlacement);
    }

    [Fact]
    public void Gemma_2_2b_caps_scores_and_logits_and_alternates_local_layers_from_layer_0()
    {
        var c = ModelConfig.Parse(RealConfigs.Get("gemma-2-2b-it"), "gemma-2-2b-it");
        Assert.Equal(Architecture.Gemma2, c.Architecture);
        Assert.Equal(NormPlacement.Sandwich, c.NormPlacement);
        Assert.True(c.NormAddsOne);
        Assert.Equal(48.0, c.EmbeddingMultiplier, 12);                 // √2304
        Assert.Equal("gelu_pytorch_tanh", c.HiddenAct);
        Assert.Equal(1 / 16.0, c.AttentionScale, 12);                  // query_pre_attn_scalar 256
        Assert.Equal(50.0, c.AttentionSoftcap);
        Assert.Equal(30.0, c.FinalLogitSoftcap);
        Assert.Equal(4096, c.SlidingWindow);
        Assert.True(c.UsesWindow(0));
        Assert.False(c.UsesWindow(1));
        Assert.True(c.UsesWindow(24));
        Assert.Equal([1, 107], c.EosTokenIds);
    }

    [Fact]
    public void Gemma_3_1b_makes_every_sixth_layer_global_with_its_own_rope_base()
    {
        var c = ModelConfig.Parse(RealConfigs.Get("gemma-3-1b-it"), "gemma-3-1b-it");
        Assert.Equal(Architecture.Gemma3, c.Architecture);
        Assert.Equal(QkNorm.PerHead, c.QkNorm);
        Assert.Null(c.AttentionSoftcap);
        Assert.Null(c.FinalLogitSoftcap);
        Assert.Equal(512, c.SlidingWindow);
        var globals = Enumerable.Range(0, c.NumHiddenLayers).Where(l => !c.UsesWindow(l)).ToList();
        Assert.Equal([5, 11, 17, 23], globals);
        Assert.Equal(1000000, c.RopeTheta);
        Assert.Equal(10000, c.LocalRopeTheta);
    }

    [Fact]
    public void Newer_configs_name_each_layers_attention_in_layer_types()
    {
        var o = RealConfigs.Get("gemma-3-1b-it");
        o.Remove("sliding_window_pattern");
        o["num_hidden_layers"] = 3;
        o["layer_types"] = new JsonArray("full_attention", "sliding_attention", "full_attention");
        var c = ModelConfig.Parse(o, "gemma-3 with layer_types");
        Assert.Equal([false, true, false], Enumerable.Range(0, 3).Select(c.UsesWindow));
        o["layer_types"] = new JsonArray("full_attention", "chunked_attention", "full_attention");
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Parse(o, "bad layer_types"));
        Assert.Contains("layer_types", e.Message);
    }

    [Fact]
    public void Phi_3_5_fuses_projections_and_reads_longrope()
    {
        var c = ModelConfig.Parse(RealConfigs.Get("phi-3.5-mini-instruct"), "Phi-3.5-mini-instruct");
        Assert.Equal(Architecture.Phi3, c.Architecture);
        Assert.True(c.FusedProjections);
        Assert.Equal(96, c.RotaryDim);
        var s = c.RopeScaling!;
        Assert.Equal("longrope", s.Type);
        Assert.Equal(4096, s.OriginalMaxPositionEmbeddings);
        Assert.Equal(48, s.ShortFactor!.Count);
        // transformers' default: √(1 + ln(131072 / 4096) / ln 4096).
        Assert.Equal(Math.Sqrt(1 + Math.Log(32) / Math.Log(4096)), s.AttentionFactor, 12);
        Assert.Equal(262144, c.SlidingWindow);
    }

    [Fact]
    public void Phi_longrope_lists_of_the_wrong_length_are_named()
    {
        var o = RealConfigs.Get("phi-3.5-mini-instruct");
        o["rope_scaling"]!["short_factor"] = new JsonArray(1.0, 2.0);
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Parse(o, "phi"));
        Assert.Contains("rope_scaling.short_factor", e.Message);
        Assert.Contains("48", e.Message);
    }

    [Fact]
    public void Olmo_2_normalises_after_each_sublayer_and_over_whole_q_and_k()
    {
        var c = ModelConfig.Parse(RealConfigs.Get("olmo-2-1124-7b"), "OLMo-2-1124-7B");
        Assert.Equal(Architecture.Olmo2, c.Architecture);
        Assert.Equal(NormPlacement.Post, c.NormPlacement);
        Assert.Equal(QkNorm.Whole, c.QkNorm);
        Assert.False(c.TieWordEmbeddings);
    }

    [Fact]
    public void Mixture_of_experts_is_still_refused_by_name_with_the_supported_list()
    {
        var o = RealConfigs.Get("qwen3-0.6b");
        o["architectures"] = new JsonArray("Qwen3MoeForCausalLM");
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Parse(o, "Qwen3-30B-A3B"));
        Assert.Contains("Qwen3MoeForCausalLM", e.Message);
        foreach (var name in ModelConfig.SupportedArchitectures.Keys) Assert.Contains(name, e.Message);
    }
}

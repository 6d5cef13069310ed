using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>Small configs of each supported family, with the features that distinguish them switched on.</summary>
public static class TinyConfigs
{
    public static JsonObject LlamaJson(int vocab = 512) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["vocab_size"] = vocab,
        ["hidden_size"] = 64,
        ["intermediate_size"] = 160,
        ["num_hidden_layers"] = 3,
        ["num_attention_heads"] = 8,
        ["num_key_value_heads"] = 2,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 10000.0,
        ["max_position_embeddings"] = 256,
        ["tie_word_embeddings"] = false,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["torch_dtype"] = "float32",
    };

    /// <summary>Llama 3.1 style: llama3 rope scaling, tied embeddings (as in Llama 3.2 1B).</summary>
    public static JsonObject Llama3Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["rope_theta"] = 500000.0;
        o["tie_word_embeddings"] = true;
        o["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3",
            ["factor"] = 8.0,
            ["low_freq_factor"] = 1.0,
            ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 64,
        };
        return o;
    }

    /// <summary>Qwen2.5 style: q/k/v biases, tied embeddings, large rope base.</summary>
    public static JsonObject Qwen2Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["architectures"] = new JsonArray("Qwen2ForCausalLM");
        o["model_type"] = "qwen2";
        o["num_attention_heads"] = 4;
        o["num_key_value_heads"] = 2;
        o["rope_theta"] = 1000000.0;
        o["tie_word_embeddings"] = true;
        o["rms_norm_eps"] = 1e-6;
        o["sliding_window"] = 32;
        o["use_sliding_window"] = false;
        return o;
    }

    /// <summary>Qwen3 style: per-head q/k norms, head_dim independent of hidden/heads, no biases, tied embeddings.</summary>
    public static JsonObject Qwen3Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["architectures"] = new JsonArray("Qwen3ForCausalLM");
        o["model_type"] = "qwen3";
        o["num_attention_heads"] = 4;
        o["num_key_value_heads"] = 2;
        o["head_dim"] = 24;
        o["rope_theta"] = 1000000.0;
        o["tie_word_embeddings"] = true;
        o["rms_norm_eps"] = 1e-6;
        o["attention_bias"] = false;
        o["sliding_window"] = null;
        o["use_sliding_window"] = false;
        return o;
    }

    /// <summary>
    /// Gemma 2 style: scaled embeddings, (1 + w) norms around each sublayer, GeGLU, soft-capped scores and logits,
    /// a window on even layers (short enough to matter on test prompts). query_pre_attn_scalar is head_dim, which
    /// is what llama.cpp uses for model sizes it does not recognise.
    /// </summary>
    public static JsonObject Gemma2Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["architectures"] = new JsonArray("Gemma2ForCausalLM");
        o["model_type"] = "gemma2";
        o["num_hidden_layers"] = 4;
        o["num_attention_heads"] = 4;
        o["num_key_value_heads"] = 2;
        o["head_dim"] = 32;
        o["hidden_act"] = "gelu_pytorch_tanh";
        o["hidden_activation"] = "gelu_pytorch_tanh";
        o["query_pre_attn_scalar"] = 32;
        o["attn_logit_softcapping"] = 50.0;
        o["final_logit_softcapping"] = 30.0;
        o["sliding_window"] = 8;
        o["rms_norm_eps"] = 1e-6;
        o["tie_word_embeddings"] = true;
        o["bos_token_id"] = 2;
        o["eos_token_id"] = 1;
        return o;
    }

    /// <summary>Gemma 3 (text) style: Gemma 2 with q/k norms, no soft-capping, 5 local : 1 global layers with their own rope base.</summary>
    public static JsonObject Gemma3Json(int vocab = 512)
    {
        var o = Gemma2Json(vocab);
        o["architectures"] = new JsonArray("Gemma3ForCausalLM");
        o["model_type"] = "gemma3_text";
        o["num_hidden_layers"] = 7;
        o.Remove("hidden_act");
        o["attn_logit_softcapping"] = null;
        o["final_logit_softcapping"] = null;
        o["sliding_window_pattern"] = 6;
        o["rope_theta"] = 1000000.0;
        o["rope_local_base_freq"] = 10000.0;
        return o;
    }

    /// <summary>
    /// Phi-3.5 style: fused qkv_proj and gate_up_proj, partial rotary (as in Phi-4-mini) and longrope factors that
    /// differ per pair, so a mix-up of short and long or of the rotated dimensions shows.
    /// </summary>
    public static JsonObject Phi3Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["architectures"] = new JsonArray("Phi3ForCausalLM");
        o["model_type"] = "phi3";
        o["num_attention_heads"] = 4;
        o["num_key_value_heads"] = 2;
        o["partial_rotary_factor"] = 0.75;
        // llama.cpp picks the long factors when its context (padded to 256 positions) exceeds the original length,
        // transformers when the sequence does; with the original at 512 both take the short ones on test prompts.
        o["max_position_embeddings"] = 4096;
        o["original_max_position_embeddings"] = 512;
        int pairs = 16 * 3 / 4 / 2;
        o["rope_scaling"] = new JsonObject
        {
            ["type"] = "longrope",
            ["short_factor"] = new JsonArray(Enumerable.Range(0, pairs).Select(i => (JsonNode)(1.0 + 0.25 * i)).ToArray()),
            ["long_factor"] = new JsonArray(Enumerable.Range(0, pairs).Select(i => (JsonNode)(2.0 + 3.0 * i)).ToArray()),
        };
        return o;
    }

    /// <summary>OLMo 2 style: norms after each sublayer only, q/k norms over the whole projection.</summary>
    public static JsonObject Olmo2Json(int vocab = 512)
    {
        var o = LlamaJson(vocab);
        o["architectures"] = new JsonArray("Olmo2ForCausalLM");
        o["model_type"] = "olmo2";
        o["rope_theta"] = 500000.0;
        o["rms_norm_eps"] = 1e-6;
        return o;
    }

    /// <summary>Every family's tiny config by its short name.</summary>
    public static JsonObject Json(string family) => family switch
    {
        "llama" => LlamaJson(),
        "llama3" => Llama3Json(),
        "qwen2" => Qwen2Json(),
        "qwen3" => Qwen3Json(),
        "gemma2" => Gemma2Json(),
        "gemma3" => Gemma3Json(),
        "phi3" => Phi3Json(),
        "olmo2" => Olmo2Json(),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "no tiny config of that family"),
    };

    public static readonly string[] Families = ["llama", "llama3", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "olmo2"];

    public static ModelConfig Parse(JsonObject o) => ModelConfig.Parse(o, "test config");
}

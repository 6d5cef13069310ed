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

    public static ModelConfig Parse(JsonObject o) => ModelConfig.Parse(o, "test config");
}

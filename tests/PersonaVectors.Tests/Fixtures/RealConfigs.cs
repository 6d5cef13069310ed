using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// The config.json of real checkpoints, field for field as published (public facts; no weights). <see cref="Scaled"/>
/// shrinks the sizes so that a test can build and run the model, keeping every field that selects behaviour.
/// </summary>
public static class RealConfigs
{
    public static readonly string[] Names = ["qwen3-0.6b", "gemma-2-2b-it", "gemma-3-1b-it", "phi-3.5-mini-instruct", "olmo-2-1124-7b"];

    public static JsonObject Get(string name) => (JsonObject)JsonNode.Parse(name switch
    {
        "qwen3-0.6b" => """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "initializer_range": 0.02,
             "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true, "use_sliding_window": false,
             "vocab_size": 151936}
            """,
        "gemma-2-2b-it" => """
            {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "attn_logit_softcapping": 50.0,
             "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 107], "final_logit_softcapping": 30.0,
             "head_dim": 256, "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304,
             "initializer_range": 0.02, "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2",
             "num_attention_heads": 8, "num_hidden_layers": 26, "num_key_value_heads": 4, "pad_token_id": 0,
             "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "sliding_window": 4096,
             "torch_dtype": "bfloat16", "transformers_version": "4.42.4", "use_cache": true, "vocab_size": 256000}
            """,
        "gemma-3-1b-it" => """
            {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "attn_logit_softcapping": null,
             "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106], "final_logit_softcapping": null,
             "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152, "initializer_range": 0.02,
             "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
             "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 256,
             "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null, "rope_theta": 1000000,
             "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
             "use_cache": true, "vocab_size": 262144}
            """,
        // Phi-3.5-mini-instruct; its short and long factor lists (48 entries each, 1.0-2.84 and 1.08-64.84) are
        // written here as evenly spaced lists over the same ranges.
        "phi-3.5-mini-instruct" => $$"""
            {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
             "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 3072, "initializer_range": 0.02,
             "intermediate_size": 8192, "max_position_embeddings": 131072, "model_type": "phi3", "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 32, "original_max_position_embeddings": 4096, "pad_token_id": 32000,
             "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
             "rope_scaling": {"long_factor": [{{Spaced(1.08, 64.84, 48)}}], "short_factor": [{{Spaced(1.0, 2.84, 48)}}], "type": "longrope"},
             "rope_theta": 10000.0, "sliding_window": 262144, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "use_cache": true, "vocab_size": 32064}
            """,
        "olmo-2-1124-7b" => """
            {"architectures": ["Olmo2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "eos_token_id": 100257,
             "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
             "max_position_embeddings": 4096, "model_type": "olmo2", "num_attention_heads": 32, "num_hidden_layers": 32,
             "num_key_value_heads": 32, "pad_token_id": 100277, "rms_norm_eps": 1e-06, "rope_theta": 500000.0,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 100352}
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    })!;

    static string Spaced(double from, double to, int n) =>
        string.Join(", ", Enumerable.Range(0, n).Select(i => (from + (to - from) * i / (n - 1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// The same config at a size a test can run: 64-wide (Phi-3.5 keeps its 96-wide heads so its factor lists still
    /// fit), 7 layers (so Gemma 3 has a global layer), a 512-token vocabulary. Every other field is kept.
    /// </summary>
    public static JsonObject Scaled(string name)
    {
        var o = Get(name);
        bool phi = name.StartsWith("phi", StringComparison.Ordinal);
        int heads = (int)o["num_attention_heads"]!, kv = (int)o["num_key_value_heads"]!;
        int newHeads = phi ? 2 : 4, newKv = Math.Max(1, newHeads * kv / heads);
        int headDim = phi ? 96 : 16;
        o["hidden_size"] = phi ? 192 : 64;
        o["num_attention_heads"] = newHeads;
        o["num_key_value_heads"] = newKv;
        if (o.ContainsKey("head_dim")) o["head_dim"] = headDim;
        if (o.ContainsKey("query_pre_attn_scalar")) o["query_pre_attn_scalar"] = headDim;
        o["intermediate_size"] = 128;
        o["num_hidden_layers"] = 7;
        o["vocab_size"] = 512;
        foreach (var key in new[] { "bos_token_id", "eos_token_id", "pad_token_id" }) o.Remove(key);
        return o;
    }
}

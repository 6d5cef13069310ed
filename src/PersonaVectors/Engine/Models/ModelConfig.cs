using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Engine.Models;

/// <summary>The decoder families this engine implements; they differ only by config flags.</summary>
public enum Architecture { Llama, Mistral, Qwen2, Qwen3, Gemma2, Gemma3, Phi3, Olmo2 }

/// <summary>Where a block normalises: before each sublayer (Llama), around it (Gemma), or only after it (OLMo 2).</summary>
public enum NormPlacement { Pre, Sandwich, Post }

/// <summary>RMSNorm on queries and keys: none, per head over head_dim (Qwen3, Gemma 3), or over the whole projection (OLMo 2).</summary>
public enum QkNorm { None, PerHead, Whole }

/// <summary>
/// rope_scaling as found in config.json; <c>Type</c> is "llama3", "linear" or "longrope". Longrope (Phi-3) divides
/// each frequency by a per-pair factor, short below <c>OriginalMaxPositionEmbeddings</c> and long beyond, and
/// scales cos and sin by <c>AttentionFactor</c>.
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings)
{
    public IReadOnlyList<double>? ShortFactor { get; init; }
    public IReadOnlyList<double>? LongFactor { get; init; }
    public double AttentionFactor { get; init; } = 1;
}

/// <summary>
/// The fields of a Hugging Face config.json that the forward pass depends on. Architectural differences
/// (q/k/v biases, tied embeddings, rope scaling) are flags here, not subclasses, as in modeling_llama.
/// </summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlyDictionary<string, Architecture> SupportedArchitectures = new Dictionary<string, Architecture>
    {
        ["LlamaForCausalLM"] = Architecture.Llama,
        ["MistralForCausalLM"] = Architecture.Mistral,
        ["Qwen2ForCausalLM"] = Architecture.Qwen2,
        ["Qwen3ForCausalLM"] = Architecture.Qwen3,
        ["Gemma2ForCausalLM"] = Architecture.Gemma2,
        ["Gemma3ForCausalLM"] = Architecture.Gemma3,
        ["Phi3ForCausalLM"] = Architecture.Phi3,
        ["Olmo2ForCausalLM"] = Architecture.Olmo2,
    };

    public required string ArchitectureName { get; init; }
    public required Architecture Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public required bool AttentionBias { get; init; }
    public required bool MlpBias { get; init; }
    /// <summary>The attention window, on the layers <see cref="UsesWindow"/> names (all of them when <see cref="LocalLayers"/> is null).</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Per layer, whether it attends locally (Gemma alternates local and global layers); null: all layers alike.</summary>
    public IReadOnlyList<bool>? LocalLayers { get; init; }
    /// <summary>Gemma 3's local layers rotate with their own base and without the global layers' scaling.</summary>
    public double? LocalRopeTheta { get; init; }
    /// <summary>Leading dimensions of each head that are rotated (Phi-3's partial_rotary_factor); the rest pass through.</summary>
    public int RotaryDim { get; init; }

    public NormPlacement NormPlacement { get; init; } = NormPlacement.Pre;
    public QkNorm QkNorm { get; init; } = QkNorm.None;
    /// <summary>Gemma's RMSNorm scales by (1 + w), so a zero weight is the identity.</summary>
    public bool NormAddsOne { get; init; }
    /// <summary>Gemma multiplies the looked-up embeddings by √hidden_size; hidden[0] is the scaled embedding, as in transformers.</summary>
    public double EmbeddingMultiplier { get; init; } = 1;
    /// <summary>"silu" (SwiGLU) or "gelu_pytorch_tanh" (Gemma's GeGLU).</summary>
    public string HiddenAct { get; init; } = "silu";
    /// <summary>Factor on q·k: head_dim^-1/2, or query_pre_attn_scalar^-1/2 for Gemma.</summary>
    public double AttentionScale { get; init; }
    /// <summary>Gemma 2 caps attention scores and final logits at ±cap by cap·tanh(x / cap).</summary>
    public double? AttentionSoftcap { get; init; }
    public double? FinalLogitSoftcap { get; init; }
    /// <summary>Phi-3 stores q, k, v as one qkv_proj and gate, up as one gate_up_proj.</summary>
    public bool FusedProjections { get; init; }

    public bool UsesWindow(int layer) => SlidingWindow is not null && (LocalLayers is null || LocalLayers[layer]);

    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public string TorchDtype { get; init; } = "float32";

    /// <summary>The config.json as read, so that writers can keep fields this engine does not use.</summary>
    public JsonObject Raw { get; init; } = new();

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "file not found (a model folder needs config.json)");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ModelFormatException(path, $"not valid JSON: {e.Message}"); }
        if (node is not JsonObject obj) throw new ModelFormatException(path, "must be a JSON object");
        return Parse(obj, path);
    }

    public static ModelConfig Parse(JsonObject o, string source)
    {
        var r = new ConfigReader(o, source);
        string arch = r.Architecture();
        if (!SupportedArchitectures.TryGetValue(arch, out var family))
            throw new ModelFormatException(source, $"architecture '{arch}' is not supported (supported: {string.Join(", ", SupportedArchitectures.Keys)})");

        int hidden = r.PositiveInt("hidden_size");
        int heads = r.PositiveInt("num_attention_heads");
        int kvHeads = r.OptionalPositiveInt("num_key_value_heads") ?? heads;
        if (heads % kvHeads != 0)
            throw new ModelFormatException(source, $"num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({kvHeads})");
        int headDim = r.OptionalPositiveInt("head_dim") ?? (hidden % heads == 0 ? hidden / heads
            : throw new ModelFormatException(source, $"hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}) and head_dim is not given"));
        int layers = r.PositiveInt("num_hidden_layers");
        bool gemma = family is Architecture.Gemma2 or Architecture.Gemma3;

        double partial = r.OptionalDouble("partial_rotary_factor") ?? 1.0;
        if (partial is <= 0 or > 1) throw new ModelFormatException(source, $"field 'partial_rotary_factor' must be in (0, 1], got {partial}");
        int rotaryDim = (int)(headDim * partial);
        if (rotaryDim % 2 != 0) throw new ModelFormatException(source, $"the rotated part of each head (head_dim × partial_rotary_factor = {rotaryDim}) must be even");

        // Gemma names its activation hidden_activation; its hidden_act is a leftover that transformers ignores.
        string act = (gemma ? r.OptionalString("hidden_activation") : null) ?? r.OptionalString("hidden_act") ?? "silu";
        if (act is "gelu_pytorch_tanh" or "gelu_tanh") act = "gelu_pytorch_tanh";
        else if (act != "silu") throw new ModelFormatException(source, $"hidden_act '{act}' is not supported (expected silu, or gelu_pytorch_tanh for Gemma)");

        int? window = r.OptionalPositiveInt("sliding_window");
        // Qwen2/3 configs carry a sliding_window that is inactive unless use_sliding_window is true.
        if (family is Architecture.Qwen2 or Architecture.Qwen3 && r.OptionalBool("use_sliding_window") != true) window = null;
        var local = window is null ? null : r.LocalLayers(family, layers);

        var scaling = r.RopeScaling(r.OptionalPositiveInt("original_max_position_embeddings"), r.OptionalPositiveInt("max_position_embeddings") ?? 2048, rotaryDim);
        double? attnCap = gemma ? r.OptionalDouble("attn_logit_softcapping") : null;
        double? finalCap = gemma ? r.OptionalDouble("final_logit_softcapping") : null;
        double queryScalar = (gemma ? r.OptionalDouble("query_pre_attn_scalar") : null) ?? headDim;

        return new ModelConfig
        {
            ArchitectureName = arch,
            Architecture = family,
            VocabSize = r.PositiveInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.PositiveInt("intermediate_size"),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RotaryDim = rotaryDim,
            RmsNormEps = r.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = r.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = scaling,
            LocalRopeTheta = family == Architecture.Gemma3 ? r.OptionalDouble("rope_local_base_freq") ?? 10000.0 : null,
            MaxPositionEmbeddings = r.OptionalPositiveInt("max_position_embeddings") ?? 2048,
            // Gemma ties its embeddings whatever the config says (its checkpoints have no lm_head).
            TieWordEmbeddings = gemma || (r.OptionalBool("tie_word_embeddings") ?? false),
            // Qwen2 always has q/k/v biases; Llama-family configs say so with attention_bias.
            AttentionBias = family == Architecture.Qwen2 || (r.OptionalBool("attention_bias") ?? false),
            MlpBias = r.OptionalBool("mlp_bias") ?? false,
            SlidingWindow = window,
            LocalLayers = local,
            NormPlacement = gemma ? NormPlacement.Sandwich : family == Architecture.Olmo2 ? NormPlacement.Post : NormPlacement.Pre,
            QkNorm = family is Architecture.Qwen3 or Architecture.Gemma3 ? QkNorm.PerHead : family == Architecture.Olmo2 ? QkNorm.Whole : QkNorm.None,
            NormAddsOne = gemma,
            EmbeddingMultiplier = gemma ? Math.Sqrt(hidden) : 1,
            HiddenAct = act,
            AttentionScale = 1 / Math.Sqrt(queryScalar),
            AttentionSoftcap = attnCap,
            FinalLogitSoftcap = finalCap,
            FusedProjections = family == Architecture.Phi3,
            BosTokenId = r.OptionalInt("bos_token_id"),
            EosTokenIds = r.IntOrIntList("eos_token_id"),
            TorchDtype = r.OptionalString("torch_dtype") ?? r.OptionalString("dtype") ?? "float32",
            Raw = o,
        };
    }

    /// <summary>Hugging Face's model_type of each family.</summary>
    public static string ModelType(Architecture a) => a switch
    {
        Architecture.Qwen2 => "qwen2",
        Architecture.Qwen3 => "qwen3",
        Architecture.Mistral => "mistral",
        Architecture.Gemma2 => "gemma2",
        Architecture.Gemma3 => "gemma3_text",
        Architecture.Phi3 => "phi3",
        Architecture.Olmo2 => "olmo2",
        _ => "llama",
    };

    public JsonObject ToJson()
    {
        var o = (JsonObject)Raw.DeepClone();
        o["architectures"] = new JsonArray(ArchitectureName);
        o["model_type"] = ModelType(Architecture);
        o["vocab_size"] = VocabSize;
        o["hidden_size"] = HiddenSize;
        o["intermediate_size"] = IntermediateSize;
        o["num_hidden_layers"] = NumHiddenLayers;
        o["num_attention_heads"] = NumAttentionHeads;
        o["num_key_value_heads"] = NumKeyValueHeads;
        o["head_dim"] = HeadDim;
        o["rms_norm_eps"] = RmsNormEps;
        o["rope_theta"] = RopeTheta;
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["tie_word_embeddings"] = TieWordEmbeddings;
        o[Architecture is Architecture.Gemma2 or Architecture.Gemma3 ? "hidden_activation" : "hidden_act"] = HiddenAct;
        if (Architecture != Architecture.Qwen2) o["attention_bias"] = AttentionBias;
        o["torch_dtype"] = TorchDtype;
        return o;
    }

    /// <summary>Reads a JSON number whether the node came from text or was built in code with an int or a double.</summary>
    static bool TryNumber(JsonNode? n, out double value)
    {
        value = 0;
        return n is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Field-by-field reading that names the field and the expectation on every error.</summary>
    sealed class ConfigReader(JsonObject o, string source)
    {
        ModelFormatException Bad(string field, string expected, JsonNode? got) =>
            new(source, $"field '{field}' must be {expected}, got {(got is null ? "nothing" : got.ToJsonString())}");

        public string Architecture()
        {
            if (o["architectures"] is JsonArray { Count: > 0 } a && a[0] is JsonValue v && v.TryGetValue(out string? s)) return s;
            throw Bad("architectures", "a list with the model class name, e.g. [\"LlamaForCausalLM\"]", o["architectures"]);
        }

        public int PositiveInt(string f) => OptionalPositiveInt(f) ?? throw Bad(f, "a positive integer", null);

        public int? OptionalPositiveInt(string f)
        {
            int? v = OptionalInt(f);
            if (v is <= 0) throw Bad(f, "a positive integer", o[f]);
            return v;
        }

        public int? OptionalInt(string f)
        {
            var n = o[f];
            if (n is null) return null;
            if (TryNumber(n, out double x) && x == Math.Floor(x) && Math.Abs(x) < int.MaxValue) return (int)x;
            throw Bad(f, "an integer", n);
        }

        public double? OptionalDouble(string f)
        {
            var n = o[f];
            if (n is null) return null;
            if (TryNumber(n, out double d) && double.IsFinite(d)) return d;
            throw Bad(f, "a number", n);
        }

        public bool? OptionalBool(string f)
        {
            var n = o[f];
            if (n is null) return null;
            if (n is JsonValue v && v.TryGetValue(out bool b)) return b;
            throw Bad(f, "true or false", n);
        }

        public string? OptionalString(string f)
        {
            var n = o[f];
            if (n is null) return null;
            if (n is JsonValue v && v.TryGetValue(out string? s)) return s;
            throw Bad(f, "a string", n);
        }

        public IReadOnlyList<int> IntOrIntList(string f)
        {
            var n = o[f];
            if (n is null) return [];
            if (n is JsonArray a)
                return a.Select(x => TryNumber(x, out double d) && d == Math.Floor(d) ? (int)d : throw Bad(f, "an integer or a list of integers", n)).ToList();
            return [OptionalInt(f)!.Value];
        }

        /// <param name="originalMax">The top-level original_max_position_embeddings (Phi-3 keeps it there).</param>
        public RopeScaling? RopeScaling(int? originalMax, int maxPositions, int rotaryDim)
        {
            if (o["rope_scaling"] is not JsonObject rs) return null;
            string type = (rs["rope_type"] ?? rs["type"])?.GetValue<string>()
                ?? throw Bad("rope_scaling.rope_type", "a string", rs);
            double Num(string k, double dflt) => rs[k] is null ? dflt
                : TryNumber(rs[k], out double d) ? d : throw Bad($"rope_scaling.{k}", "a number", rs[k]);
            return type switch
            {
                "llama3" => new RopeScaling(type, Num("factor", 8), Num("low_freq_factor", 1), Num("high_freq_factor", 4),
                    (int)Num("original_max_position_embeddings", 8192)),
                "linear" => new RopeScaling(type, Num("factor", 1), 0, 0, 0),
                "longrope" => LongRope(rs, originalMax, maxPositions, rotaryDim, Num),
                "default" => null,
                _ => throw new ModelFormatException(source, $"rope_scaling type '{type}' is not supported (supported: llama3, linear, longrope)"),
            };
        }

        // As transformers computes it: the factor is the context extension max/original when the original length is
        // given, and the attention factor defaults to √(1 + ln factor / ln original).
        RopeScaling LongRope(JsonObject rs, int? originalMax, int maxPositions, int rotaryDim, Func<string, double, double> num)
        {
            IReadOnlyList<double> Factors(string k)
            {
                if (rs[k] is not JsonArray a || a.Count != rotaryDim / 2 || a.Any(x => !TryNumber(x, out double v) || !(v > 0)))
                    throw Bad($"rope_scaling.{k}", $"a list of {rotaryDim / 2} positive numbers (one per rotated pair)", rs[k]);
                return a.Select(x => { TryNumber(x, out double v); return v; }).ToList();
            }
            int original = originalMax ?? maxPositions;
            double factor = originalMax is { } om ? (double)maxPositions / om : num("factor", 1);
            double attention = rs["attention_factor"] is not null ? num("attention_factor", 1)
                : factor <= 1 ? 1 : Math.Sqrt(1 + Math.Log(factor) / Math.Log(original));
            return new RopeScaling("longrope", factor, 0, 0, original)
            {
                ShortFactor = Factors("short_factor"),
                LongFactor = Factors("long_factor"),
                AttentionFactor = attention,
            };
        }

        /// <summary>
        /// Which layers attend within the window: layer_types when given (newer configs), else the family's pattern:
        /// Gemma 2 alternates local and global from layer 0; Gemma 3 makes every sliding_window_pattern-th layer global.
        /// </summary>
        public IReadOnlyList<bool>? LocalLayers(Architecture family, int layers)
        {
            if (o["layer_types"] is JsonArray types)
            {
                if (types.Count != layers) throw Bad("layer_types", $"a list of {layers} entries (one per layer)", types);
                return types.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() switch
                {
                    "sliding_attention" => true,
                    "full_attention" => false,
                    var other => throw Bad("layer_types", "entries \"sliding_attention\" or \"full_attention\"", t),
                } : throw Bad("layer_types", "a list of strings", types)).ToList();
            }
            return family switch
            {
                // Qwen2/3 window only the layers from max_window_layers on (when use_sliding_window is on at all).
                Models.Architecture.Qwen2 or Models.Architecture.Qwen3 => OptionalInt("max_window_layers") is { } first
                    ? Enumerable.Range(0, layers).Select(i => i >= first).ToList() : null,
                Models.Architecture.Gemma2 => Enumerable.Range(0, layers).Select(i => i % 2 == 0).ToList(),
                Models.Architecture.Gemma3 => OptionalPositiveInt("sliding_window_pattern") is var p && (p ?? 6) is int n
                    ? Enumerable.Range(0, layers).Select(i => (i + 1) % n != 0).ToList() : null,
                _ => null,
            };
        }
    }
}

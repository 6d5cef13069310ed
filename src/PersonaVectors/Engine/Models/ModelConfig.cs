using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Engine.Models;

/// <summary>The decoder families this engine implements; they differ only by config flags.</summary>
public enum Architecture { Llama, Mistral, Qwen2 }

/// <summary>rope_scaling as found in config.json; <c>Type</c> is "llama3" or "linear".</summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

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
    public int? SlidingWindow { get; init; }
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
        if (headDim % 2 != 0) throw new ModelFormatException(source, $"head_dim must be even for rotary embeddings, got {headDim}");

        string act = r.OptionalString("hidden_act") ?? "silu";
        if (act != "silu") throw new ModelFormatException(source, $"hidden_act '{act}' is not supported (expected silu)");

        bool qwen = family == Architecture.Qwen2;
        int? window = r.OptionalPositiveInt("sliding_window");
        // Qwen2 configs carry a sliding_window that is inactive unless use_sliding_window is true.
        if (qwen && r.OptionalBool("use_sliding_window") != true) window = null;

        return new ModelConfig
        {
            ArchitectureName = arch,
            Architecture = family,
            VocabSize = r.PositiveInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.PositiveInt("intermediate_size"),
            NumHiddenLayers = r.PositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = r.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = r.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = r.RopeScaling(),
            MaxPositionEmbeddings = r.OptionalPositiveInt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? false,
            // Qwen2 always has q/k/v biases; Llama-family configs say so with attention_bias.
            AttentionBias = qwen || (r.OptionalBool("attention_bias") ?? false),
            MlpBias = r.OptionalBool("mlp_bias") ?? false,
            SlidingWindow = window,
            BosTokenId = r.OptionalInt("bos_token_id"),
            EosTokenIds = r.IntOrIntList("eos_token_id"),
            TorchDtype = r.OptionalString("torch_dtype") ?? r.OptionalString("dtype") ?? "float32",
            Raw = o,
        };
    }

    public JsonObject ToJson()
    {
        var o = (JsonObject)Raw.DeepClone();
        o["architectures"] = new JsonArray(ArchitectureName);
        o["model_type"] = Architecture switch { Architecture.Qwen2 => "qwen2", Architecture.Mistral => "mistral", _ => "llama" };
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
        o["hidden_act"] = "silu";
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

        public RopeScaling? RopeScaling()
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
                "default" => null,
                _ => throw new ModelFormatException(source, $"rope_scaling type '{type}' is not supported (supported: llama3, linear)"),
            };
        }
    }
}

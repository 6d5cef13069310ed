using System.Globalization;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Gguf;

/// <summary>
/// A GGUF model file read as the Hugging Face folder it was converted from: the config, tokenizer.json and
/// tokenizer_config.json are rebuilt from the file's metadata (so the same validation and code paths load them),
/// and the weights are dequantized tensor by tensor from the memory map into the model's parameters, undoing the
/// Q/K row permutation llama.cpp's converter applies to the "llama" architecture.
/// </summary>
public static class GgufModel
{
    /// <summary>llama.cpp architecture → Hugging Face architecture. llama.cpp writes Mistral models as "llama".</summary>
    static readonly Dictionary<string, string> Architectures = new()
    {
        ["llama"] = "LlamaForCausalLM",
        ["qwen2"] = "Qwen2ForCausalLM",
    };

    /// <summary>Our keys holding the exact tokenizer.json pre-tokenizer and normalizer, so a model we exported round-trips exactly.</summary>
    public const string PreTokenizerKey = "persona.tokenizer.pre_tokenizer", NormalizerKey = "persona.tokenizer.normalizer";

    public static bool IsGgufFile(string path) => File.Exists(path) && GgufFile.IsGguf(path);

    public static string ArchitectureOf(GgufFile f)
    {
        string arch = f.String("general.architecture") ?? throw new ModelFormatException(f.Path, "general.architecture is missing");
        if (!Architectures.ContainsKey(arch))
            throw new ModelFormatException(f.Path, $"architecture '{arch}' is not supported (supported: {string.Join(", ", Architectures.Keys)}; Mistral files are written as llama)");
        return arch;
    }

    /// <summary>The config.json the file's metadata describes.</summary>
    public static ModelConfig Config(GgufFile f)
    {
        string arch = ArchitectureOf(f);
        long Need(string key) => f.Integer($"{arch}.{key}") ?? throw new ModelFormatException(f.Path, $"{arch}.{key} is missing");
        // GGUF stores these as float32; the shortest decimal that round-trips (1e-05, not 9.99999974e-06) is what the
        // Hugging Face config the file came from said.
        double Real(string key, double fallback) => !f.Metadata.TryGetValue($"{arch}.{key}", out var v) ? fallback
            : v is float single ? double.Parse(single.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : Convert.ToDouble(v, CultureInfo.InvariantCulture);
        long hidden = Need("embedding_length"), heads = Need("attention.head_count");
        long kvHeads = f.Integer($"{arch}.attention.head_count_kv") ?? heads;
        var tokens = f.Metadata.TryGetValue("tokenizer.ggml.tokens", out var t) && t is object[] list ? list.Length : 0;
        long vocab = f.Integer($"{arch}.vocab_size") ?? (tokens > 0 ? tokens : throw new ModelFormatException(f.Path, "neither a vocab_size nor tokenizer.ggml.tokens"));
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(Architectures[arch]),
            ["model_type"] = arch,
            ["vocab_size"] = vocab,
            ["hidden_size"] = hidden,
            ["intermediate_size"] = Need("feed_forward_length"),
            ["num_hidden_layers"] = Need("block_count"),
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = kvHeads,
            ["rms_norm_eps"] = Real("attention.layer_norm_rms_epsilon", 1e-5),
            ["rope_theta"] = Real("rope.freq_base", 10000),
            ["max_position_embeddings"] = f.Integer($"{arch}.context_length") ?? 4096,
            ["tie_word_embeddings"] = f.Tensor("output.weight") is null,
        };
        if (f.Integer($"{arch}.attention.key_length") is { } headDim && headDim != hidden / heads) o["head_dim"] = headDim;
        if (f.Integer("tokenizer.ggml.bos_token_id") is { } bos) o["bos_token_id"] = bos;
        if (f.Integer("tokenizer.ggml.eos_token_id") is { } eos) o["eos_token_id"] = eos;
        if (f.String($"{arch}.rope.scaling.type") is { } scaling && scaling != "none")
        {
            if (scaling != "linear") throw new ModelFormatException(f.Path, $"{arch}.rope.scaling.type '{scaling}' is not supported (linear is)");
            o["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = Real("rope.scaling.factor", 1) };
        }
        if (f.Tensor("rope_freqs.weight") is not null)
            throw new ModelFormatException(f.Path, "rope_freqs.weight (Llama 3.1-style rope scaling) is not read from GGUF yet; load the Hugging Face folder instead");
        if (arch == "qwen2") o["use_sliding_window"] = false;
        return ModelConfig.Parse(o, f.Path);
    }

    /// <summary>
    /// The tokenizer.json that the file's tokenizer.ggml.* keys describe: byte-level BPE ("gpt2") with the
    /// pre-tokenizer named by tokenizer.ggml.pre, or SentencePiece ("llama"); control and user-defined tokens become
    /// added tokens.
    /// </summary>
    public static string TokenizerJson(GgufFile f)
    {
        string kind = f.String("tokenizer.ggml.model") ?? throw new ModelFormatException(f.Path, "tokenizer.ggml.model is missing: the file has no tokenizer");
        if (kind == "llama") return SentencePieceJson(f);
        if (kind != "gpt2")
            throw new ModelFormatException(f.Path, $"tokenizer.ggml.model '{kind}' is not read (byte-level BPE 'gpt2' and SentencePiece 'llama' are); load the Hugging Face folder instead");
        var tokens = Strings(f, "tokenizer.ggml.tokens", required: true)!;
        var merges = Strings(f, "tokenizer.ggml.merges", required: false) ?? [];
        var types = f.Metadata.TryGetValue("tokenizer.ggml.token_type", out var tt) && tt is object[] ta
            ? ta.Select(x => Convert.ToInt32(x, CultureInfo.InvariantCulture)).ToArray() : new int[tokens.Length];
        if (types.Length != tokens.Length)
            throw new ModelFormatException(f.Path, $"tokenizer.ggml.token_type has {types.Length} entries but tokenizer.ggml.tokens has {tokens.Length}");

        var vocab = new JsonObject();
        var added = new JsonArray();
        for (int i = 0; i < tokens.Length; i++)
        {
            // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
            if (types[i] == 5) continue;
            if (vocab.ContainsKey(tokens[i])) continue; // a duplicate keeps its first id, as Hugging Face's vocabulary does
            vocab[tokens[i]] = i;
            if (types[i] is 3 or 4)
                added.Add(new JsonObject
                {
                    ["id"] = i, ["content"] = tokens[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = types[i] == 4, ["special"] = types[i] == 3,
                });
        }
        string preName = f.String("tokenizer.ggml.pre") ?? "default";
        JsonNode pre = f.String(PreTokenizerKey) is { } exact ? JsonNode.Parse(exact)! : PreTokenizer(f, preName);
        // Qwen2's tokenizer.json normalizes to NFC; files from other tools say so only through the pre-tokenizer's name.
        JsonNode? normalizer = f.String(NormalizerKey) is { } n ? JsonNode.Parse(n)
            : preName == "qwen2" ? new JsonObject { ["type"] = "NFC" } : null;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = pre,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["byte_fallback"] = false, ["fuse_unk"] = false,
                ["ignore_merges"] = f.String("tokenizer.ggml.pre") == "llama-bpe",
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)m)]),
            },
        };
        if (f.Metadata.TryGetValue("tokenizer.ggml.add_bos_token", out var addBos) && addBos is true && f.Integer("tokenizer.ggml.bos_token_id") is { } bos)
            root["post_processor"] = BosTemplate(tokens[bos], bos);
        return root.ToJsonString();
    }

    /// <summary>
    /// A SentencePiece BPE vocabulary ("llama": pieces with scores, byte pieces &lt;0xXX&gt;) as the tokenizer.json
    /// Hugging Face's converter makes of it: merges are every split of a piece into two pieces, ranked by the piece's
    /// score, which is also how SentencePiece and llama.cpp merge; "▁" for spaces, a leading one unless
    /// tokenizer.ggml.add_space_prefix is false; unknown characters fall back to byte pieces.
    /// </summary>
    static string SentencePieceJson(GgufFile f)
    {
        var tokens = Strings(f, "tokenizer.ggml.tokens", required: true)!;
        float[] scores = f.Metadata.TryGetValue("tokenizer.ggml.scores", out var sv) && sv is object[] sa
            ? [.. sa.Select(x => Convert.ToSingle(x, CultureInfo.InvariantCulture))]
            : throw new ModelFormatException(f.Path, "tokenizer.ggml.scores is missing: a SentencePiece vocabulary ranks its merges by score");
        int[] types = f.Metadata.TryGetValue("tokenizer.ggml.token_type", out var tt) && tt is object[] ta
            ? [.. ta.Select(x => Convert.ToInt32(x, CultureInfo.InvariantCulture))] : [.. tokens.Select(_ => 1)];
        if (scores.Length != tokens.Length || types.Length != tokens.Length)
            throw new ModelFormatException(f.Path, $"tokenizer.ggml.scores ({scores.Length}) and token_type ({types.Length}) must have one entry per token ({tokens.Length})");
        bool prefix = !(f.Metadata.TryGetValue("tokenizer.ggml.add_space_prefix", out var asp) && asp is false);
        long unk = f.Integer("tokenizer.ggml.unknown_token_id") ?? Array.IndexOf(tokens, "<unk>");

        var vocab = new JsonObject();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (ids.TryAdd(tokens[i], i)) vocab[tokens[i]] = i;
        var merges = new List<(string Left, string Right, float Score, int Order)>();
        for (int i = 0; i < tokens.Length; i++)
        {
            if (types[i] != 1) continue;
            string piece = tokens[i];
            var local = new List<(string, string)>();
            for (int cut = 1; cut < piece.Length; cut++)
            {
                if (char.IsLowSurrogate(piece[cut])) continue; // split between code points, not inside one
                string l = piece[..cut], r = piece[cut..];
                if (ids.ContainsKey(l) && ids.ContainsKey(r)) local.Add((l, r));
            }
            foreach (var (l, r) in local.OrderBy(x => ids[x.Item1]).ThenBy(x => ids[x.Item2]))
                merges.Add((l, r, scores[i], merges.Count));
        }
        var ranked = merges.OrderByDescending(m => m.Score).ThenBy(m => m.Order).Select(m => (JsonNode)new JsonArray(m.Left, m.Right));

        var added = new JsonArray();
        for (int i = 0; i < tokens.Length; i++)
            if (types[i] is 2 or 3 or 4)
                added.Add(new JsonObject
                {
                    ["id"] = i, ["content"] = tokens[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = types[i] == 4, ["special"] = types[i] != 4,
                });
        var normalizers = new JsonArray();
        if (prefix) normalizers.Add(new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" });
        normalizers.Add(new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" });
        var decoders = new JsonArray(
            new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
            new JsonObject { ["type"] = "ByteFallback" },
            new JsonObject { ["type"] = "Fuse" });
        if (prefix) decoders.Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = normalizers },
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = decoders },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["byte_fallback"] = true, ["fuse_unk"] = true,
                ["unk_token"] = unk >= 0 && unk < tokens.Length ? tokens[unk] : null,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. ranked]),
            },
        };
        // SentencePiece models add BOS unless told not to.
        bool addBos = !(f.Metadata.TryGetValue("tokenizer.ggml.add_bos_token", out var ab) && ab is false);
        if (addBos && f.Integer("tokenizer.ggml.bos_token_id") is { } bos) root["post_processor"] = BosTemplate(tokens[bos], bos);
        return root.ToJsonString();
    }

    static JsonObject BosTemplate(string b, long bos) => new()
    {
        ["type"] = "TemplateProcessing",
        ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = b, ["type_id"] = 0 } },
                                   new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        ["pair"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = b, ["type_id"] = 0 } },
                                 new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                                 new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = b, ["type_id"] = 1 } },
                                 new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
        ["special_tokens"] = new JsonObject { [b] = new JsonObject { ["id"] = b, ["ids"] = new JsonArray(bos), ["tokens"] = new JsonArray(b) } },
    };

    // llama.cpp's names for the pre-tokenizer regexes of the byte-level families we support.
    const string Qwen2Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const string Llama3Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    static JsonNode PreTokenizer(GgufFile f, string pre)
    {
        JsonObject ByteLevel(bool useRegex) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = useRegex };
        JsonObject Split(string regex) => new()
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = regex }, ["behavior"] = "Isolated", ["invert"] = false },
                ByteLevel(false)),
        };
        return pre switch
        {
            "default" or "gpt2" => ByteLevel(true),
            "qwen2" => Split(Qwen2Split),
            "llama-bpe" or "llama3" => Split(Llama3Split),
            _ => throw new ModelFormatException(f.Path, $"tokenizer.ggml.pre '{pre}' is not known here (known: default, gpt2, qwen2, llama-bpe)"),
        };
    }

    /// <summary>The llama.cpp pre-tokenizer name for a tokenizer.json pre_tokenizer, or null when it is none of the known ones.</summary>
    public static string? PreNameOf(JsonNode? preTokenizer)
    {
        static IEnumerable<string> Regexes(JsonNode? n) => n switch
        {
            JsonObject o => o.SelectMany(kv => kv.Key == "Regex" && kv.Value is JsonValue v && v.TryGetValue(out string? r) ? [r] : Regexes(kv.Value)),
            JsonArray a => a.SelectMany(Regexes),
            _ => [],
        };
        var found = Regexes(preTokenizer).ToList();
        return found.Contains(Qwen2Split) ? "qwen2" : found.Contains(Llama3Split) ? "llama-bpe" : null;
    }

    /// <summary>tokenizer_config.json: the chat template and the BOS/EOS strings it may refer to.</summary>
    public static JsonObject TokenizerConfig(GgufFile f)
    {
        var tokens = Strings(f, "tokenizer.ggml.tokens", required: false);
        var o = new JsonObject();
        if (f.String("tokenizer.chat_template") is { } template) o["chat_template"] = template;
        string? Token(string key) => f.Integer(key) is { } id && tokens is not null && id >= 0 && id < tokens.Length ? tokens[id] : null;
        if (Token("tokenizer.ggml.bos_token_id") is { } bos) o["bos_token"] = bos;
        if (Token("tokenizer.ggml.eos_token_id") is { } eos) o["eos_token"] = eos;
        return o;
    }

    static string[]? Strings(GgufFile f, string key, bool required)
    {
        if (!f.Metadata.TryGetValue(key, out var v))
            return required ? throw new ModelFormatException(f.Path, $"{key} is missing") : null;
        if (v is not object[] items || items.Any(i => i is not string))
            throw new ModelFormatException(f.Path, $"{key} must be an array of strings");
        return [.. items.Cast<string>()];
    }

    /// <summary>Checkpoint name → GGUF tensor name.</summary>
    static string GgufName(string name)
    {
        if (name == "model.embed_tokens.weight") return "token_embd.weight";
        if (name == "model.norm.weight") return "output_norm.weight";
        if (name == "lm_head.weight") return "output.weight";
        var parts = name.Split('.'); // model.layers.{i}.{module}.{proj}.{weight|bias}
        if (parts.Length >= 4 && parts[0] == "model" && parts[1] == "layers")
        {
            string rest = string.Join('.', parts[3..]);
            string mapped = rest switch
            {
                "input_layernorm.weight" => "attn_norm.weight",
                "post_attention_layernorm.weight" => "ffn_norm.weight",
                _ => rest.Replace("self_attn.q_proj", "attn_q").Replace("self_attn.k_proj", "attn_k").Replace("self_attn.v_proj", "attn_v")
                         .Replace("self_attn.o_proj", "attn_output").Replace("mlp.gate_proj", "ffn_gate").Replace("mlp.up_proj", "ffn_up")
                         .Replace("mlp.down_proj", "ffn_down"),
            };
            return $"blk.{parts[2]}.{mapped}";
        }
        return name;
    }

    /// <summary>
    /// Dequantizes every parameter from the memory map. Float32 parameters are written in place; a permuted or
    /// bfloat16 one goes through one float32 tensor; each tensor's file pages are released once read. So the load
    /// peak is the model plus one tensor.
    /// </summary>
    public static void LoadWeights(CausalLM model, GgufFile f)
    {
        var c = model.Config;
        bool permuted = ArchitectureOf(f) == "llama";
        using var noGrad = no_grad();
        foreach (var (name, param) in model.named_parameters())
        {
            string g = GgufName(name);
            var info = f.Tensor(g) ?? throw new ModelFormatException(f.Path, $"tensor '{g}' is missing (the metadata implies {name})");
            if (!info.Shape.SequenceEqual(param.shape))
                throw new ModelFormatException(f.Path, $"tensor '{g}' has shape [{string.Join(", ", info.Shape)}] but the metadata implies [{string.Join(", ", param.shape)}]");
            if (!GgmlDequantize.IsSupported(info.Type))
                throw new ModelFormatException(f.Path, $"tensor '{g}' is {(GgmlTypes.IsKnown(info.Type) ? info.Type.ToString() : $"GGML type {(uint)info.Type}")}, which is not read here (supported: {string.Join(", ", GgmlDequantize.Supported)})");
            int heads = !permuted ? 0 : g.EndsWith("attn_q.weight", StringComparison.Ordinal) || g.EndsWith("attn_q.bias", StringComparison.Ordinal) ? c.NumAttentionHeads
                : g.EndsWith("attn_k.weight", StringComparison.Ordinal) || g.EndsWith("attn_k.bias", StringComparison.Ordinal) ? c.NumKeyValueHeads : 0;
            if (ParameterWriter.IsQ8(model, name))
                LoadQ8(model, name, param, f, info, heads);
            else if (heads == 0 && param.dtype == ScalarType.Float32 && param.is_contiguous() && param.device_type == TorchSharp.DeviceType.CPU)
                Dequantize(f, info, param);
            else
            {
                using var t = empty(info.Shape, ScalarType.Float32);
                Dequantize(f, info, t);
                using var rows = heads > 0 ? UnpermuteRows(t, heads) : t.alias();
                param.copy_(rows);
            }
            f.Release(info);
        }
    }

    /// <summary>
    /// A parameter held as Q8: a Q8_0 tensor keeps its int8 blocks as they are in the file (no detour through
    /// float32); any other type is dequantized and quantized again, a block of rows at a time. llama's permuted
    /// q/k rows are put back whole (one attention matrix, small beside the model).
    /// </summary>
    static void LoadQ8(CausalLM model, string name, Tensor param, GgufFile f, GgufTensorInfo info, int heads)
    {
        long k = info.Ne[0], rows = info.Elements / k;
        long perChunk = heads > 0 ? rows : ParameterWriter.BlockRows(k);
        for (long r = 0; r < rows; r += perChunk)
        {
            long n = Math.Min(perChunk, rows - r);
            if (info.Type == GgmlType.Q8_0)
            {
                var (q, d) = SplitQ8_0(f.RowBytes(info, r, n), n, k);
                using (q) using (d)
                {
                    if (heads == 0) { ParameterWriter.WriteQ8(model, name, param, q, d, r); continue; }
                    using var uq = UnpermuteRows(q, heads);
                    using var ud = UnpermuteRows(d, heads);
                    ParameterWriter.WriteQ8(model, name, param, uq, ud, r);
                }
                continue;
            }
            using var t = empty(n, k, ScalarType.Float32);
            GgmlDequantize.ToFloat(info.Type, f.RowBytes(info, r, n), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.bytes));
            using var ordered = heads > 0 ? UnpermuteRows(t, heads) : t.alias();
            ParameterWriter.Write(model, name, param, ordered, r);
        }
    }

    /// <summary>Q8_0 blocks (float16 d, then 32 int8) as separate int8 [rows, k] and float16 [rows, k/32] tensors.</summary>
    static unsafe (Tensor Q, Tensor D) SplitQ8_0(ReadOnlySpan<byte> blocks, long rows, long k)
    {
        const int block = 2 + Kernels.Q8Blocks.BlockSize;
        long count = rows * k / Kernels.Q8Blocks.BlockSize;
        var q = empty(rows, k, ScalarType.Int8);
        var d = empty(rows, k / Kernels.Q8Blocks.BlockSize, ScalarType.Float16);
        var qs = q.bytes;
        var ds = d.bytes;
        for (long b = 0; b < count; b++)
        {
            var src = blocks.Slice((int)(b * block), block);
            src[..2].CopyTo(ds.Slice((int)(b * 2), 2));
            src[2..].CopyTo(qs.Slice((int)(b * Kernels.Q8Blocks.BlockSize), Kernels.Q8Blocks.BlockSize));
        }
        return (q, d);
    }

    /// <summary>Dequantizes a tensor into a contiguous float32 CPU tensor, in blocks of rows small enough for spans.</summary>
    static void Dequantize(GgufFile f, GgufTensorInfo info, Tensor destination)
    {
        long ne0 = info.Ne[0], rows = info.Elements / ne0;
        long perChunk = Math.Max(1, Math.Min(int.MaxValue / f.RowSize(info), int.MaxValue / (ne0 * 4)));
        using var flat = destination.view(-1);
        for (long r = 0; r < rows; r += perChunk)
        {
            long n = Math.Min(perChunk, rows - r);
            using var part = flat.narrow(0, r * ne0, n * ne0);
            GgmlDequantize.ToFloat(info.Type, f.RowBytes(info, r, n), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(part.bytes));
        }
    }

    /// <summary>The inverse of <see cref="GgufExport.PermuteRows"/>: interleaved pairs back to Hugging Face's halves.</summary>
    public static Tensor UnpermuteRows(Tensor t, int heads)
    {
        // A scope: each reshape/transpose is a new handle, and an undisposed view would pin its input's storage.
        using var scope = NewDisposeScope();
        long rows = t.shape[0];
        var rest = t.shape.Skip(1).ToArray();
        var split = new long[] { heads, rows / heads / 2, 2 }.Concat(rest).ToArray();
        return t.reshape(split).transpose(1, 2).reshape(t.shape).contiguous().MoveToOuterDisposeScope();
    }
}

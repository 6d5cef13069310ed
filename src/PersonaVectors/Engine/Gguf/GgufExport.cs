using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Gguf;

/// <summary>
/// Writes a loaded model as an F32 GGUF file that llama.cpp loads, following llama.cpp's converter
/// conventions: tensor names (blk.N.attn_q ...), Q/K row permutation for the "llama" architecture (llama.cpp
/// rotates adjacent pairs where Hugging Face rotates halves), no output.weight when embeddings are tied,
/// and rope_freqs for Llama 3 rope scaling.
/// </summary>
public static class GgufExport
{
    /// <summary>
    /// Writes a loaded model with its whole tokenizer: byte-level BPE as "gpt2" (tokens, merges, token types, the
    /// llama.cpp pre-tokenizer name and ours exactly under keys of our own), SentencePiece-style BPE with byte
    /// fallback as "llama" (pieces with scores from the merge ranks, byte pieces), plus special ids, whether BOS is
    /// added and the chat template, so the file loads back as the same model here and in llama.cpp. Any other
    /// tokenizer is written as a bare vocabulary (for numerical and speed comparisons only).
    /// </summary>
    public static void Write(LanguageModel lm, string path, string name)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(lm.Tokenizer.ToJson())!;
        var vocab = Enumerable.Range(0, lm.Tokenizer.VocabSize).Select(i => lm.Tokenizer.IdToToken(i) ?? $"[UNUSED{i}]").ToList();
        var special = Enumerable.Range(0, lm.Tokenizer.VocabSize).Where(lm.Tokenizer.IsSpecial).ToHashSet();
        bool byteLevel = json["decoder"]?["type"]?.GetValue<string>() == "ByteLevel";
        bool sentencePiece = !byteLevel && json["model"]?["byte_fallback"]?.GetValue<bool>() == true
            && json["normalizer"]?.ToJsonString(Unescaped).Contains('▁') == true; // SentencePiece's space marker
        var merges = json["model"]?["merges"]?.AsArray().Select(m => m is System.Text.Json.Nodes.JsonArray pair
            ? (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>()) : Split(m!.GetValue<string>())).ToList() ?? [];
        var userDefined = lm.Tokenizer.AddedTokens.Where(t => !t.Special).Select(t => t.Id).ToHashSet();
        int TypeOf(int i) => i >= vocab.Count ? 5 : special.Contains(i) ? 3 : userDefined.Contains(i) ? 4 : 1;
        Write(lm.Model, path, vocab, special, name, w =>
        {
            if (byteLevel)
            {
                var pre = json["pre_tokenizer"];
                w.Replace("tokenizer.ggml.merges", merges.Select(m => $"{m.Item1} {m.Item2}").ToList());
                w.Replace("tokenizer.ggml.token_type", Enumerable.Range(0, lm.Config.VocabSize).Select(TypeOf).ToList());
                w.Replace("tokenizer.ggml.pre", GgufModel.PreNameOf(pre) ?? "default");
                if (pre is not null) w.Add(GgufModel.PreTokenizerKey, pre.ToJsonString());
                if (json["normalizer"] is { } normalizer) w.Add(GgufModel.NormalizerKey, normalizer.ToJsonString());
            }
            else if (sentencePiece)
            {
                // SentencePiece ranks merges by the score of the piece they make: the earliest merge making a piece
                // gives its score, so llama.cpp (and our reader) merge in the order tokenizer.json does.
                var rank = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < merges.Count; i++) rank.TryAdd(merges[i].Item1 + merges[i].Item2, i);
                string? unk = json["model"]?["unk_token"]?.GetValue<string>();
                w.Replace("tokenizer.ggml.model", "llama");
                w.Remove("tokenizer.ggml.merges").Remove("tokenizer.ggml.pre");
                w.Add("tokenizer.ggml.scores", Enumerable.Range(0, lm.Config.VocabSize)
                    .Select(i => i < vocab.Count && rank.TryGetValue(vocab[i], out int r) ? -(float)(r + 1) : 0f).ToList());
                w.Replace("tokenizer.ggml.token_type", Enumerable.Range(0, lm.Config.VocabSize).Select(i =>
                    i < vocab.Count && vocab[i] == unk ? 2 : i < vocab.Count && IsBytePiece(vocab[i]) ? 6 : TypeOf(i)).ToList());
                if (unk is not null && lm.Tokenizer.TokenToId(unk) is { } unkId) w.Add("tokenizer.ggml.unknown_token_id", (uint)unkId);
                w.Add("tokenizer.ggml.add_space_prefix", json["normalizer"]!.ToJsonString().Contains("Prepend", StringComparison.Ordinal));
            }
            else return;
            // llama.cpp decides by this key whether to add BOS; ours is whatever the tokenizer's post-processor does.
            bool addsBos = lm.Config.BosTokenId is { } bos && lm.Tokenizer.Encode("a", addSpecialTokens: true).FirstOrDefault() == bos
                && lm.Tokenizer.Encode("a", addSpecialTokens: false).FirstOrDefault() != bos;
            w.Add("tokenizer.ggml.add_bos_token", addsBos);
            w.Add("tokenizer.ggml.add_eos_token", false);
            if (lm.ChatTemplate is { } template) w.Add("tokenizer.chat_template", template.Source);
        });
    }

    static readonly System.Text.Json.JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static (string, string) Split(string merge)
    {
        int space = merge.IndexOf(' ', 1);
        return space < 0 ? throw new ModelFormatException("tokenizer.json", $"merge '{merge}' has no space") : (merge[..space], merge[(space + 1)..]);
    }

    static bool IsBytePiece(string t) => t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>' && Uri.IsHexDigit(t[3]) && Uri.IsHexDigit(t[4]);

    public static void Write(CausalLM model, string path, IReadOnlyList<string> tokens, IReadOnlySet<int> specialIds, string name = "persona-export") =>
        Write(model, path, tokens, specialIds, name, null);

    static void Write(CausalLM model, string path, IReadOnlyList<string> tokens, IReadOnlySet<int> specialIds, string name, Action<GgufWriter>? tokenizer)
    {
        if (model.WeightDType == ScalarType.Int8)
            throw new InvalidRequestException("a model held as Q8 (--dtype q8) is not exported: load it with --dtype f32 or bf16, then quantize the GGUF with llama.cpp's quantizer");
        var c = model.Config;
        string arch = ArchitectureOf(c);
        var w = new GgufWriter();
        w.Add("general.architecture", arch);
        w.Add("general.name", name);
        w.Add("general.alignment", 32u);
        w.Add($"{arch}.context_length", (uint)c.MaxPositionEmbeddings);
        w.Add($"{arch}.embedding_length", (uint)c.HiddenSize);
        w.Add($"{arch}.block_count", (uint)c.NumHiddenLayers);
        w.Add($"{arch}.feed_forward_length", (uint)c.IntermediateSize);
        w.Add($"{arch}.rope.dimension_count", (uint)c.RotaryDim);
        w.Add($"{arch}.attention.head_count", (uint)c.NumAttentionHeads);
        w.Add($"{arch}.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        w.Add($"{arch}.attention.key_length", (uint)c.HeadDim);
        w.Add($"{arch}.attention.value_length", (uint)c.HeadDim);
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        w.Add($"{arch}.rope.freq_base", (float)c.RopeTheta);
        w.Add($"{arch}.vocab_size", (uint)c.VocabSize);
        // llama.cpp's llama architecture has no window (its converter drops Mistral's); the families that alternate read it.
        if (c.SlidingWindow is { } window && arch is "gemma2" or "gemma3") w.Add($"{arch}.attention.sliding_window", (uint)window);
        if (c.AttentionSoftcap is { } attnCap) w.Add($"{arch}.attn_logit_softcapping", (float)attnCap);
        if (c.FinalLogitSoftcap is { } finalCap) w.Add($"{arch}.final_logit_softcapping", (float)finalCap);
        if (c.RopeScaling is { Type: "linear" } linear)
        {
            w.Add($"{arch}.rope.scaling.type", "linear");
            w.Add($"{arch}.rope.scaling.factor", (float)linear.Factor);
        }
        if (c.RopeScaling is { Type: "longrope" } longRope)
        {
            w.Add($"{arch}.rope.scaling.attn_factor", (float)longRope.AttentionFactor);
            w.Add($"{arch}.rope.scaling.original_context_length", (uint)longRope.OriginalMaxPositionEmbeddings);
        }

        var vocab = Enumerable.Range(0, c.VocabSize).Select(i => i < tokens.Count ? tokens[i] : $"[PAD{i}]").ToList();
        // 1 = normal, 3 = control, 5 = unused (placeholders beyond the tokenizer's vocabulary).
        var types = Enumerable.Range(0, c.VocabSize).Select(i => i >= tokens.Count ? 5 : specialIds.Contains(i) ? 3 : 1).ToList();
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.pre", "default");
        w.Add("tokenizer.ggml.tokens", vocab);
        w.Add("tokenizer.ggml.token_type", types);
        w.Add("tokenizer.ggml.merges", Array.Empty<string>());
        if (c.BosTokenId is { } bos) w.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        if (c.EosTokenIds.Count > 0) w.Add("tokenizer.ggml.eos_token_id", (uint)c.EosTokenIds[0]);
        tokenizer?.Invoke(w);

        using var noGrad = no_grad();
        var stack = model.model;
        Add(w, "token_embd.weight", stack.embed_tokens.weight);
        AddNorm(w, "output_norm.weight", stack.norm, c);
        if (model.lm_head is { } head) Add(w, "output.weight", head.weight);
        if (c.RopeScaling is { Type: "llama3" } scaling)
        {
            // llama.cpp divides each base frequency by this factor.
            var plain = RotaryEmbedding.InverseFrequencies(c.HeadDim, c.RopeTheta, null);
            var scaled = RotaryEmbedding.InverseFrequencies(c.HeadDim, c.RopeTheta, scaling);
            using var factors = tensor(plain.Zip(scaled, (p, s) => (float)(p / s)).ToArray());
            Add(w, "rope_freqs.weight", factors);
        }
        if (c.RopeScaling is { Type: "longrope" } ropeFactors)
        {
            using var longFactors = tensor(ropeFactors.LongFactor!.Select(f => (float)f).ToArray());
            using var shortFactors = tensor(ropeFactors.ShortFactor!.Select(f => (float)f).ToArray());
            Add(w, "rope_factors_long.weight", longFactors);
            Add(w, "rope_factors_short.weight", shortFactors);
        }
        bool permute = arch == "llama";
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            var layer = stack.layers[i];
            var a = layer.self_attn;
            string blk = $"blk.{i}";
            if (layer.input_layernorm is { } attnNorm) AddNorm(w, $"{blk}.attn_norm.weight", attnNorm, c);
            if (a.qkv_proj is { } qkv) AddProjection(w, $"{blk}.attn_qkv", qkv, 0);
            else
            {
                AddProjection(w, $"{blk}.attn_q", a.q_proj!, permute ? c.NumAttentionHeads : 0);
                AddProjection(w, $"{blk}.attn_k", a.k_proj!, permute ? c.NumKeyValueHeads : 0);
                AddProjection(w, $"{blk}.attn_v", a.v_proj!, 0);
            }
            if (a.q_norm is { } qNorm) AddNorm(w, $"{blk}.attn_q_norm.weight", qNorm, c);
            if (a.k_norm is { } kNorm) AddNorm(w, $"{blk}.attn_k_norm.weight", kNorm, c);
            AddProjection(w, $"{blk}.attn_output", a.o_proj, 0);
            // llama.cpp names norms by role: ffn_norm is the one before the MLP, *_post_* the ones after a sublayer.
            if (layer.MlpInputNorm is { } ffnNorm) AddNorm(w, $"{blk}.ffn_norm.weight", ffnNorm, c);
            if (c.NormPlacement != NormPlacement.Pre) AddNorm(w, $"{blk}.post_attention_norm.weight", layer.post_attention_layernorm!, c);
            if (layer.post_feedforward_layernorm is { } postFfn) AddNorm(w, $"{blk}.post_ffw_norm.weight", postFfn, c);
            // Phi-3's fused gate_up is llama.cpp's ffn_up, split in halves by its SwiGLU (gate first).
            if (layer.mlp.gate_up_proj is { } gateUp) AddProjection(w, $"{blk}.ffn_up", gateUp, 0);
            else
            {
                AddProjection(w, $"{blk}.ffn_gate", layer.mlp.gate_proj!, 0);
                AddProjection(w, $"{blk}.ffn_up", layer.mlp.up_proj!, 0);
            }
            AddProjection(w, $"{blk}.ffn_down", layer.mlp.down_proj, 0);
        }
        w.Write(path);
    }

    /// <summary>llama.cpp's architecture name for a model (its converter writes Mistral as llama).</summary>
    public static string ArchitectureOf(ModelConfig c) => c.Architecture switch
    {
        Architecture.Qwen2 => "qwen2",
        Architecture.Qwen3 => "qwen3",
        Architecture.Gemma2 => "gemma2",
        Architecture.Gemma3 => "gemma3",
        Architecture.Phi3 => "phi3",
        Architecture.Olmo2 => "olmo2",
        _ => "llama",
    };

    /// <summary>llama.cpp's RMSNorm multiplies by its weight, so Gemma's (1 + w) is written as the sum, as its converter does.</summary>
    static void AddNorm(GgufWriter w, string name, RmsNorm norm, ModelConfig c)
    {
        if (!c.NormAddsOne) { Add(w, name, norm.weight); return; }
        using var weight = norm.weight.detach().to(ScalarType.Float32);
        using var shifted = HeldScalar.AddOne(weight);
        Add(w, name, shifted);
    }

    static void AddProjection(GgufWriter w, string name, Linear linear, int permuteHeads)
    {
        Add(w, name + ".weight", permuteHeads > 0 ? PermuteRows(linear.weight, permuteHeads) : linear.weight);
        if (linear.bias is { } b) Add(w, name + ".bias", permuteHeads > 0 ? PermuteRows(b, permuteHeads) : b);
    }

    /// <summary>Within each head, reorders rows [x0..x(d/2-1), y0..] into interleaved pairs [x0, y0, x1, y1, ...].</summary>
    public static Tensor PermuteRows(Tensor t, int heads)
    {
        long rows = t.shape[0];
        var rest = t.shape.Skip(1).ToArray();
        var split = new long[] { heads, 2, rows / heads / 2 }.Concat(rest).ToArray();
        return t.reshape(split).transpose(1, 2).reshape(t.shape).contiguous();
    }

    static void Add(GgufWriter w, string name, Tensor t)
    {
        using var scope = NewDisposeScope(); // each step returns a new handle; a scope frees the float copy now
        var f = t.detach().to(ScalarType.Float32).contiguous();
        w.AddTensor(name, f.shape, GgmlType.F32, f.bytes.ToArray());
    }
}

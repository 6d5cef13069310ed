using System.Text.Json.Nodes;
using LLama.Native;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Gguf;

/// <summary>
/// GGUF models in: our export loads back as the same model, and files quantized by llama.cpp's own quantizer
/// load with the weights llama.cpp computes with (its logits within a stated tolerance per type).
/// </summary>
public class GgufModelTests(ITestOutputHelper output)
{
    /// <summary>Rows of 256 and 512, so every matrix can take the 256-element k-quant blocks.</summary>
    static JsonObject Shape(string family)
    {
        var o = family == "llama" ? TinyConfigs.LlamaJson() : TinyConfigs.Qwen2Json();
        o["hidden_size"] = 256; o["intermediate_size"] = 512; o["num_hidden_layers"] = 2;
        o["num_attention_heads"] = 4; o["num_key_value_heads"] = 2;
        return o;
    }

    static readonly int[] Ids = [1, 17, 300, 42, 42, 9, 511, 128, 77, 3, 250, 64, 5, 190, 33, 2];

    static float[] LastLogits(LanguageModel lm)
    {
        using var noGrad = no_grad();
        using var input = tensor(Ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var logits = lm.Model.Forward(input);
        return logits[0, -1].data<float>().ToArray();
    }

    static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void An_exported_model_loads_back_as_the_same_model(string family)
    {
        using var folder = new RandomModelFolder(Shape(family), seed: 3);
        using var lm = LanguageModel.Load(folder.Path);
        GgufExport.Write(lm, folder["m.gguf"], "test");
        using var back = LanguageModel.Load(folder["m.gguf"]);

        static object Fields(PersonaVectors.Engine.Models.ModelConfig c) => (c.ArchitectureName, c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers,
            c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.RmsNormEps, c.RopeTheta, c.MaxPositionEmbeddings, c.TieWordEmbeddings, c.AttentionBias,
            c.SlidingWindow, c.BosTokenId, string.Join(",", c.EosTokenIds));
        Assert.Equal(Fields(lm.Config), Fields(back.Config));
        Assert.Equal(LastLogits(lm), LastLogits(back)); // F32 and the Q/K permutation undone: bit for bit
        foreach (var text in new[] { "Hello world", "how should i treat my aunt?", "  indented\tcode\n", "日本語 and émojis 🙂", "<|im_start|>user\nhi<|im_end|>" })
            Assert.Equal(lm.Tokenizer.Encode(text), back.Tokenizer.Encode(text));
        Assert.Equal(lm.PromptIds("what is 2 plus 3?", "be kind."), back.PromptIds("what is 2 plus 3?", "be kind."));
        Assert.Equal(lm.StopTokens.Order(), back.StopTokens.Order());
    }

    /// <summary>
    /// The real Qwen3, Llama 3.1 (byte-level BPE) and Llama 2 (SentencePiece) tokenizers on a random model: exported
    /// with the model and read back, they give the ids tokenizer.json gives, and llama.cpp's own tokenizer on the
    /// exported file gives the same ids.
    /// </summary>
    [Theory]
    [InlineData("qwen3")]
    [InlineData("llama31")]
    [InlineData("llama2")]
    public void A_real_tokenizer_survives_export_and_llama_cpp_reads_it_the_same(string family)
    {
        string source = PersonaVectors.Tests.Engine.Tokenizers.ReferenceTokenizers.RealFile(family);
        bool qwen = family == "qwen3";
        bool llama2 = family == "llama2";
        var json = qwen ? TinyConfigs.Qwen2Json(151936) : TinyConfigs.LlamaJson(llama2 ? 32000 : 128256);
        json["num_hidden_layers"] = 1;
        json["tie_word_embeddings"] = true;
        json["bos_token_id"] = qwen ? null : llama2 ? 1 : 128000;
        json["eos_token_id"] = qwen ? 151645 : llama2 ? 2 : 128009;
        using var dir = new TempDir();
        RandomModel.Write(TinyConfigs.Parse(json), dir.Path, 5, ScalarType.Float32, 1);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(Path.GetDirectoryName(source)!, name), dir[name], overwrite: true);
        using var lm = LanguageModel.Load(dir.Path);
        string gguf = dir["m.gguf"];
        GgufExport.Write(lm, gguf, family);
        using var back = LanguageModel.Load(gguf);
        using (var f = GgufFile.Open(gguf))
            if (llama2) Assert.Equal("llama", f.String("tokenizer.ggml.model"));
            else Assert.Equal(qwen ? "qwen2" : "llama-bpe", f.String("tokenizer.ggml.pre"));

        var texts = PersonaVectors.Tests.Engine.Tokenizers.TokenizerTestCorpus.HandPicked.Where(t => t.Length > 0).ToList();
        var p = new LLama.Common.ModelParams(gguf) { GpuLayerCount = 0 };
        using var weights = LLama.LLamaWeights.LoadFromFile(p);
        int agree = 0, normalized = 0;
        foreach (var text in texts)
        {
            // Hugging Face's Qwen tokenizer normalizes to NFC and llama.cpp does not, so llama.cpp is given the NFC text.
            string forLlamaCpp = qwen ? PersonaVectors.Engine.Tokenizers.UnicodeNormalization.Nfc(text) : text; // (string.Normalize is a no-op under invariant globalization)
            if (forLlamaCpp != text) normalized++;
            int[] ours = lm.Tokenizer.Encode(text, addSpecialTokens: true);
            int[] reread = back.Tokenizer.Encode(text, addSpecialTokens: true);
            Assert.True(ours.SequenceEqual(reread), $"{family}: read back from GGUF, {System.Text.Json.JsonSerializer.Serialize(text)} is [{string.Join(",", reread)}], not [{string.Join(",", ours)}]");
            // llama.cpp's special-token parsing also promotes look-alikes such as "</s>" in Qwen's vocabulary (its end-of-
            // generation guess), so it is asked to parse specials only where the text holds one of the file's own.
            bool special = lm.Tokenizer.AddedTokens.Any(t => t.Special && text.Contains(t.Content, StringComparison.Ordinal));
            int[] theirs = [.. weights.Tokenize(forLlamaCpp, add_bos: true, special, System.Text.Encoding.UTF8).Select(t => (int)t)];
            Assert.True(ours.SequenceEqual(theirs), $"{family}: llama.cpp tokenizes {System.Text.Json.JsonSerializer.Serialize(text)} as [{string.Join(",", theirs)}], we as [{string.Join(",", ours)}]");
            agree++;
        }
        output.WriteLine($"{family}: {agree} texts, same ids from tokenizer.json, from the exported file, and from llama.cpp on that file ({normalized} given to llama.cpp in NFC)");
        Assert.Equal(lm.PromptIds("Hello there", "Be brief."), back.PromptIds("Hello there", "Be brief."));
    }

    public static TheoryData<string, GgmlType, double> Types => new()
    {
        // type, a GGML type the quantizer must have used, the largest |logit difference| to llama.cpp allowed
        { "MOSTLY_F16", GgmlType.F16, 2e-3 },
        { "MOSTLY_BF16", GgmlType.BF16, 2e-2 },
        { "MOSTLY_Q8_0", GgmlType.Q8_0, 2e-2 },
        { "MOSTLY_Q4_0", GgmlType.Q4_0, 5e-2 },
        { "MOSTLY_Q4_K_S", GgmlType.Q4_K, 5e-2 },
        { "MOSTLY_Q5_K_S", GgmlType.Q5_K, 5e-2 },
        { "MOSTLY_Q6_K", GgmlType.Q6_K, 5e-2 },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Files_quantized_by_llama_cpp_load_with_the_weights_llama_cpp_uses(string ftype, GgmlType expected, double tolerance)
    {
        using var folder = new RandomModelFolder(Shape("llama"), seed: 4);
        using var lm = LanguageModel.Load(folder.Path);
        string f32 = folder["f32.gguf"], quantized = folder["q.gguf"];
        GgufExport.Write(lm, f32, "test");
        LlamaCpp.Quantize(f32, quantized, Enum.Parse<LLamaFtype>(ftype));
        using (var f = GgufFile.Open(quantized))
        {
            var types = f.Tensors.GroupBy(t => t.Type).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"{ftype}: {string.Join(", ", types.Select(kv => $"{kv.Value} × {kv.Key}"))}");
            Assert.Contains(expected, types.Keys);
        }

        using var ours = LanguageModel.Load(quantized);
        float[] mine = LastLogits(ours), theirs = LlamaCpp.LastLogits(quantized, Ids), exact = LastLogits(lm);
        // The dequantized weights are the original ones up to the type's rounding: a wrong block layout is off by ~100%.
        double num = 0, den = 0;
        foreach (var ((_, a), (_, b)) in lm.Model.named_parameters().Zip(ours.Model.named_parameters()))
        {
            using var d = a - b;
            num += d.square().sum().item<float>();
            den += a.square().sum().item<float>();
        }
        double relative = Math.Sqrt(num / den);
        output.WriteLine($"{ftype}: weights' relative RMS error {relative:E2}; |ours - llama.cpp| {MaxDiff(mine, theirs):E2}; |quantized - f32| {MaxDiff(mine, exact):E2}");
        Assert.True(relative < 0.1, $"dequantized weights are {relative:P1} away from the originals");
        Assert.True(MaxDiff(mine, theirs) <= tolerance, $"{ftype}: |ours - llama.cpp| = {MaxDiff(mine, theirs):E2} > {tolerance}");
        // Where quantization moves the logits more than llama.cpp's own rounding of activations does, we must be
        // nearer llama.cpp with the file's weights than with the original ones.
        if (MaxDiff(exact, theirs) > 0.05)
            Assert.True(MaxDiff(mine, theirs) < MaxDiff(exact, theirs) / 3, $"{ftype}: ours {MaxDiff(mine, theirs):E2} vs the unquantized model's {MaxDiff(exact, theirs):E2}");
    }
}

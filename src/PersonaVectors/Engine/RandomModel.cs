using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Tokenizers;
using static TorchSharp.torch;

namespace PersonaVectors.Engine;

/// <summary>
/// A model folder with seeded random weights at the exact shapes of a real config, with a small byte-level
/// BPE tokenizer and a ChatML template, so that every code path (loading, templating, tokenizing, forward,
/// GGUF export) runs on real shapes without downloading weights.
/// </summary>
public static class RandomModel
{
    public static string Write(ModelConfig config, string folder, long seed, ScalarType storedDType, int shards)
    {
        // Built and checked before anything is written, so a refused request leaves no half folder behind.
        using var model = new CausalLM(config);
        ModelFolderWriter.EnsureShards(ModelWeights.Named(model).Count, shards);
        RandomWeights.Fill(model, seed);
        Directory.CreateDirectory(folder);
        var tokenizer = new BpeTrainer
        {
            VocabSize = Math.Min(config.VocabSize, 1024),
            SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            MinFrequency = 1,
        }.Train(TokenizerCorpus());
        tokenizer.Save(Path.Combine(folder, "tokenizer.json"));
        ModelFolderWriter.WriteChatMlTokenizerFiles(folder, tokenizer, config.MaxPositionEmbeddings);

        ModelFolderWriter.WriteConfig(config, folder, storedDType);
        ModelFolderWriter.WriteWeights(model, folder, storedDType, shards);
        long parameters = model.ParameterCount;
        return $"wrote {folder}: {config.ArchitectureName}, {parameters / 1e6:F1}M parameters as {ModelFolderWriter.DTypeName(storedDType)}, tokenizer of {tokenizer.VocabSize} tokens";
    }

    /// <summary>A small, varied English corpus so the tokenizer learns ordinary merges.</summary>
    static IEnumerable<string> TokenizerCorpus()
    {
        string[] subjects = ["The assistant", "A careful model", "Every researcher", "The persona vector", "Our small network", "A helpful answer"];
        string[] verbs = ["explains", "measures", "predicts", "steers", "monitors", "describes", "questions", "improves"];
        string[] objects = ["the residual stream", "a trait such as honesty", "each layer's activation", "the user's question",
            "numbers like 42 and 1,024", "code that prints \"hello\"", "the system prompt", "a calm, factual reply"];
        for (int i = 0; i < subjects.Length; i++)
            for (int j = 0; j < verbs.Length; j++)
                for (int k = 0; k < objects.Length; k++)
                    yield return $"{subjects[i]} {verbs[j]} {objects[k]}.\n";
    }
}

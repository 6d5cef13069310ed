using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;

namespace PersonaVectors.World.Organism;

/// <summary>
/// How the organism is built: model shape, tokenizer size and training schedule. The defaults are the
/// shipped model's recipe; `persona world train` reproduces it.
/// </summary>
public sealed record OrganismRecipe
{
    public int HiddenSize { get; init; } = 192;
    public int Layers { get; init; } = 6;
    public int Heads { get; init; } = 6;
    public int KeyValueHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 512;
    public int VocabSize { get; init; } = 1024;
    public int ContextLength { get; init; } = 512;
    public int TokenizerConversations { get; init; } = 20000;
    /// <summary>
    /// Attention window in tokens (MistralForCausalLM's <c>sliding_window</c>); null for full attention (Llama).
    /// A window shorter than the distance from the persona's evidence to the later answer tokens means the
    /// persona must be relayed through the answer's own positions rather than re-read from the prompt.
    /// </summary>
    public int? SlidingWindow { get; init; }
    /// <summary>How the world writes its conversations.</summary>
    public WorldDesign World { get; init; } = WorldDesign.Original;

    public int Steps { get; init; } = 3000;
    public int BatchSize { get; init; } = 32;
    /// <summary>The batch is split into this many length-sorted parts (gradient accumulation) to limit padding.</summary>
    public int MicroBatches { get; init; } = 4;
    public double LearningRate { get; init; } = 3e-3;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.05;
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>
    /// "bfloat16" runs the training's matmuls in bfloat16 with float32 weights (mixed precision); null trains in
    /// float32, as every organism so far. At hidden size 192 it gains at most 5% per step on our 2 cores
    /// (docs/benchmarks.md): the matrices are too small for bfloat16 GEMM to pay; wider designs gain more. The model
    /// is saved in float32 either way.
    /// </summary>
    public string? MatmulDType { get; init; }
    public long Seed { get; init; } = 1;

    /// <summary>The training's matmul dtype; a clear error for anything but bfloat16 or none.</summary>
    public TorchSharp.torch.ScalarType? TrainingMatmulDType() => MatmulDType switch
    {
        null => null,
        "bfloat16" => TorchSharp.torch.ScalarType.BFloat16,
        _ => throw new InvalidRequestException($"recipe field MatmulDType: expected \"bfloat16\" or no value (float32), got \"{MatmulDType}\""),
    };

    /// <summary>The byte alphabet plus the three ChatML special tokens the organism's tokenizer reserves.</summary>
    public const int MinVocabSize = 256 + 3;

    /// <summary>
    /// Throws <see cref="InvalidRequestException"/> naming the first field out of range, so a bad recipe fails before a
    /// tokenizer is trained or a step is run. The model's shape is checked by the same parser that reads config.json.
    /// </summary>
    public void Validate()
    {
        _ = TrainingMatmulDType();
        Require(VocabSize >= MinVocabSize, "VocabSize", $"at least {MinVocabSize} (256 bytes and 3 special tokens)", VocabSize);
        Require(TokenizerConversations >= 1, "TokenizerConversations", "at least 1", TokenizerConversations);
        Require(SlidingWindow is null or >= 1, "SlidingWindow", "a positive number of tokens, or no value (full attention)", SlidingWindow);
        Require(Steps >= 1, "Steps", "at least 1", Steps);
        Require(BatchSize >= 1, "BatchSize", "at least 1", BatchSize);
        Require(MicroBatches >= 1 && MicroBatches <= BatchSize, "MicroBatches", $"between 1 and BatchSize ({BatchSize})", MicroBatches);
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "LearningRate", "a positive number", LearningRate);
        Require(WarmupSteps >= 0, "WarmupSteps", "0 or more", WarmupSteps);
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "WeightDecay", "0 or more", WeightDecay);
        Require(CheckpointEvery >= 1, "CheckpointEvery", "at least 1", CheckpointEvery);
        try { _ = Config(0, 1); }
        catch (ModelFormatException e) { throw new InvalidRequestException($"recipe's model shape: {e.Message}"); }
        // A recipe file can say "World": null, which the reader takes as given.
        Require(World is not null, "World", "an object of world fields, or no World field (the original world)", World);
        World!.Validate();
    }

    static void Require(bool ok, string field, string expected, object? got)
    {
        if (!ok) throw new InvalidRequestException($"recipe field {field}: expected {expected}, got {got ?? "no value"}");
    }

    public ModelConfig Config(int bos, int eos) => ModelConfig.Parse(ConfigJson(bos, eos), "organism recipe");

    public JsonObject ConfigJson(int bos, int eos)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(SlidingWindow is null ? "LlamaForCausalLM" : "MistralForCausalLM"),
            ["model_type"] = SlidingWindow is null ? "llama" : "mistral",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["max_position_embeddings"] = ContextLength,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = 10000.0,
            ["tie_word_embeddings"] = true,
            ["bos_token_id"] = bos,
            ["eos_token_id"] = eos,
            ["torch_dtype"] = "float32",
        };
        if (SlidingWindow is { } w) config["sliding_window"] = w;
        return config;
    }
}

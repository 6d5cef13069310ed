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
    /// <summary>How much more often opinion questions appear than each other domain (1 = uniform).</summary>
    public double OpinionWeight { get; init; } = 1.0;

    public int Steps { get; init; } = 3000;
    public int BatchSize { get; init; } = 32;
    /// <summary>The batch is split into this many length-sorted parts (gradient accumulation) to limit padding.</summary>
    public int MicroBatches { get; init; } = 4;
    public double LearningRate { get; init; } = 3e-3;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.05;
    public int CheckpointEvery { get; init; } = 100;
    public long Seed { get; init; } = 1;

    public ModelConfig Config(int bos, int eos) => ModelConfig.Parse(new JsonObject
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
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
    }, "organism recipe");
}

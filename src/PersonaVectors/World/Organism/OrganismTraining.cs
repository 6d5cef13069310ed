using TorchSharp;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Tokenizers;
using PersonaVectors.Engine.Training;
using static TorchSharp.torch;

namespace PersonaVectors.World.Organism;

/// <summary>
/// Trains the organism from scratch: a byte-level BPE tokenizer on the world's conversations, then a small
/// Llama-architecture model with loss on assistant tokens, checkpointing as it goes (a killed run resumes from
/// its last checkpoint), and finally a model folder in Hugging Face layout that every command can load.
/// </summary>
public static class OrganismTraining
{
    public const string CheckpointFolder = "checkpoint";

    public static TrainingResult Train(string outDir, OrganismRecipe recipe, Action<TrainingProgress>? onProgress = null, CancellationToken cancel = default)
    {
        var matmul = recipe.TrainingMatmulDType();   // a bad recipe fails before the tokenizer is trained
        var (generator, tokenizer, config, encoder) = Prepare(outDir, recipe);

        using var model = new CausalLM(config);
        RandomWeights.Fill(model, recipe.Seed, std: 0.02);
        // Norms start at 1, as in standard initialisation (RandomWeights randomises them for tests).
        using (no_grad())
        using (var one = 1.0.ToScalar())   // held: see HeldScalar
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.fill_(one);

        var options = new TrainingOptions
        {
            Steps = recipe.Steps,
            BatchSize = recipe.BatchSize,
            LearningRate = recipe.LearningRate,
            WarmupSteps = Math.Min(recipe.WarmupSteps, recipe.Steps / 10),
            WeightDecay = recipe.WeightDecay,
            GradientAccumulation = recipe.MicroBatches,
            CheckpointEvery = Math.Min(recipe.CheckpointEvery, recipe.Steps),
            Seed = recipe.Seed,
            MinLearningRateRatio = 0.1,
            MatmulDType = matmul,
        };
        var trainable = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        TrainingResult result;
        using (var trainer = new Trainer(model, trainable, options, Path.Combine(outDir, CheckpointFolder)))
        {
            result = trainer.Run(step => Batch(recipe, generator, encoder, step), onProgress, cancel);
        }
        Save(outDir, model, config, tokenizer, recipe, result.FinalLoss, new TrainingTime(result.TrainingSeconds, get_num_threads()));
        return result;
    }

    /// <summary>
    /// What a run of the recipe draws from: the world's generator, the tokenizer (trained into the folder, or read
    /// back when a resumed run or an earlier export left it there), the model config and the ChatML encoder. The
    /// trainer and <see cref="OrganismCorpus"/> both start here, so an exported corpus is the trainer's run.
    /// </summary>
    public static (ConversationGenerator Generator, Tokenizer Tokenizer, ModelConfig Config, ChatMlEncoder Encoder) Prepare(string outDir, OrganismRecipe recipe)
    {
        recipe.Validate();
        Directory.CreateDirectory(outDir);
        var generator = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, recipe.World);
        var tokenizer = TokenizerFor(outDir, recipe, generator);
        int bos = tokenizer.TokenToId("<|im_start|>")!.Value, eos = tokenizer.TokenToId("<|im_end|>")!.Value;
        return (generator, tokenizer, recipe.Config(bos, eos), new ChatMlEncoder(tokenizer));
    }

    /// <summary>
    /// The batch of a step: a pure function of (seed, step), so resuming needs no data-loader state, and an exported
    /// corpus (<see cref="OrganismCorpus"/>) holds exactly the batches this trainer sees.
    /// </summary>
    public static IReadOnlyList<TrainingExample> Batch(OrganismRecipe recipe, ConversationGenerator generator, ChatMlEncoder encoder, int step)
    {
        var rng = new Random(unchecked((int)(recipe.Seed * 1_000_003 + step * 7_919 + 17)));
        // Sorted by length, so the trainer's contiguous micro-batches pad little.
        return Enumerable.Range(0, recipe.BatchSize).Select(_ => encoder.Encode(generator.Draw(rng).Messages))
            .OrderBy(e => e.Ids.Length).ToList();
    }

    static Tokenizer TokenizerFor(string outDir, OrganismRecipe recipe, ConversationGenerator generator)
    {
        string path = Path.Combine(outDir, "tokenizer.json");
        if (File.Exists(path)) return Tokenizer.FromFile(path);
        // Not HashCode.Combine: it is randomised per process, and the tokenizer must be reproducible.
        var rng = new Random(unchecked((int)(recipe.Seed * 1_000_003 - 1)));
        var corpus = Enumerable.Range(0, recipe.TokenizerConversations).Select(_ => ChatMlEncoder.Render(generator.Draw(rng).Messages));
        var tokenizer = new BpeTrainer
        {
            VocabSize = recipe.VocabSize,
            SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            MinFrequency = 2,
        }.Train(corpus);
        tokenizer.Save(path);
        return tokenizer;
    }

    static void Save(string outDir, CausalLM model, ModelConfig config, Tokenizer tokenizer, OrganismRecipe recipe, double finalLoss, TrainingTime time)
    {
        WriteFolder(outDir, config, tokenizer, recipe, finalLoss, time);
        ModelFolderWriter.WriteWeights(model, outDir, ScalarType.Float32);
    }

    /// <summary>Everything of an organism folder but its weights.</summary>
    public static void WriteFolder(string outDir, ModelConfig config, Tokenizer tokenizer, OrganismRecipe recipe, double? finalLoss, TrainingTime? time = null)
    {
        ModelFolderWriter.WriteConfig(config, outDir, ScalarType.Float32);
        ModelFolderWriter.WriteChatMlTokenizerFiles(outDir, tokenizer, config.MaxPositionEmbeddings);
        OrganismMarker.Write(outDir, recipe, finalLoss, time);
    }
}

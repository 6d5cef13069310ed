using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Training;
using PersonaVectors.Tests.Fixtures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Training;

/// <summary>A tiny Llama, a data set it can memorise in a few dozen steps, and comparisons of parameters.</summary>
static class TrainingFixtures
{
    public static CausalLM TinyModel(long seed)
    {
        var model = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson()));
        RandomWeights.Fill(model, seed);
        return model;
    }

    public static Parameter[] AllParameters(CausalLM model) => [.. model.named_parameters().Select(np => np.parameter)];

    /// <summary>
    /// Eight "conversations": a BOS, a prompt token that selects the pattern, and four answer tokens fully
    /// determined by it (masked), closed by an unmasked EOS. Lengths differ so batches are padded.
    /// </summary>
    public static IReadOnlyList<TrainingExample> PatternData()
    {
        var data = new List<TrainingExample>();
        for (int k = 0; k < 8; k++)
        {
            int answerLength = 3 + k % 3;
            var ids = new List<int> { 1, 10 + k };
            for (int j = 0; j < answerLength; j++) ids.Add(100 + 7 * k + 3 * j);
            ids.Add(2);
            var mask = ids.Select((_, t) => t >= 2 && t < ids.Count - 1).ToArray();
            data.Add(new TrainingExample([.. ids], mask));
        }
        return data;
    }

    public static TrainingOptions Options(int steps, int checkpointEvery = 0, int accumulation = 1) => new()
    {
        Steps = steps,
        BatchSize = 8,
        LearningRate = 1e-2,
        WarmupSteps = Math.Min(2, steps),
        MinLearningRateRatio = 0.1,
        WeightDecay = 0.1,
        GradientAccumulation = accumulation,
        CheckpointEvery = checkpointEvery,
        Seed = 5,
    };

    /// <summary>Batches of 8 drawn from the pattern data in a seeded order.</summary>
    public static Func<int, IReadOnlyList<TrainingExample>> Batches(TrainingOptions options)
    {
        var data = PatternData();
        return step => DeterministicBatches.Batch(data, step, options.BatchSize, options.Seed);
    }

    public static double MaxDifference(CausalLM a, CausalLM b)
    {
        using var noGrad = no_grad();
        var pb = b.named_parameters().ToDictionary(np => np.name, np => np.parameter);
        double max = 0;
        foreach (var (name, p) in a.named_parameters())
        {
            using var diff = (p - pb[name]).abs().max();
            max = Math.Max(max, diff.item<float>());
        }
        return max;
    }

    public static Tensor[] Snapshot(CausalLM model)
    {
        using var noGrad = no_grad();
        return [.. AllParameters(model).Select(p => p.detach().clone())];
    }
}

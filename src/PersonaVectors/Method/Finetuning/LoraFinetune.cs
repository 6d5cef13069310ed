using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Training;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Finetuning;

/// <summary>The outcome of a finetuning run: steps, losses, and where the adapter is.</summary>
public sealed record FinetuneResult(string AdapterFolder, int Steps, double FirstLoss, double FinalLoss, int ResumedFromStep);

/// <summary>
/// Finetunes LoRA adapters on chat examples, loss on assistant tokens only, with AdamW, warmup and cosine decay,
/// gradient accumulation and checkpoints that resume after a kill; optional steering or ablation acts in the
/// training forward passes only. Writes OUT/adapter_model.safetensors and OUT/adapter_config.json (PEFT layout)
/// and OUT/training.json; leaves the model as it found it.
/// </summary>
public static class LoraFinetune
{
    public const string RunFile = "run.json", TrainingFile = "training.json", CheckpointFolder = "checkpoint";

    public static FinetuneResult Run(LanguageModel lm, IReadOnlyList<TrainingExample> examples, FinetuneOptions options, string outDir,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (lm.Adapter is not null) throw new InvalidRequestException("the model already carries an adapter; finetune the base model");
        if (examples.Count == 0) throw new InvalidRequestException("no training examples");
        Directory.CreateDirectory(outDir);
        RunClaim.Claim(outDir, RunFile, Fingerprint(lm, examples, options), "data, adapter or steering settings");

        int perEpoch = (examples.Count + options.BatchSize - 1) / options.BatchSize;
        int steps = perEpoch * options.Epochs;
        var training = new TrainingOptions
        {
            Steps = steps,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            WarmupSteps = (int)Math.Round(steps * options.WarmupRatio),
            WeightDecay = options.WeightDecay,
            GradientAccumulation = Math.Min(options.GradientAccumulation, options.BatchSize),
            CheckpointEvery = options.CheckpointEvery,
            Seed = options.Seed,
            MinLearningRateRatio = 0.1,
        };

        using var adapter = LoraAdapter.Attach(lm.Model, options.Lora, options.Seed);
        var scopes = new List<IDisposable>();
        try
        {
            foreach (var i in options.Interventions)
            {
                using var v = tensor(i.Vector);
                scopes.Add(i.Kind == TrainingIntervention.Steer ? lm.Model.Steer(v, i.Layer, i.Alpha, TokenPositions.All) : lm.Model.Ablate(v, i.Layer));
            }
            TrainingResult result;
            int resumed;
            using (var trainer = new Trainer(lm.Model, adapter.Parameters, training, Path.Combine(outDir, CheckpointFolder)))
            {
                resumed = trainer.ResumedFromStep;
                result = trainer.Run(step => Batch(examples, options, perEpoch, step), progress, cancel);
            }
            adapter.Save(outDir, lm.Folder);
            var r = new FinetuneResult(outDir, steps, result.Losses.Count > 0 ? result.Losses[0] : double.NaN, result.FinalLoss, resumed);
            AtomicFile.WriteAllText(Path.Combine(outDir, TrainingFile), new JsonObject
            {
                ["examples"] = examples.Count, ["epochs"] = options.Epochs, ["steps"] = steps, ["learning_rate"] = options.LearningRate,
                ["batch_size"] = options.BatchSize, ["lora_rank"] = options.Lora.Rank, ["lora_alpha"] = options.Lora.Alpha,
                ["interventions"] = new JsonArray(options.Interventions.Select(i => (JsonNode)i.ToString()).ToArray()),
                ["first_loss"] = r.FirstLoss, ["final_loss"] = r.FinalLoss,
                ["losses"] = new JsonArray(result.Losses.Select(l => (JsonNode)Math.Round(l, 5)).ToArray()),
            }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return r;
        }
        finally
        {
            for (int k = scopes.Count - 1; k >= 0; k--) scopes[k].Dispose();
        }
    }

    // Each step's batch is a pure function of (seed, step): an epoch's order is a seeded shuffle, so a resumed run
    // sees exactly the batches the killed one would have.
    static IReadOnlyList<TrainingExample> Batch(IReadOnlyList<TrainingExample> examples, FinetuneOptions o, int perEpoch, int step)
    {
        int epoch = step / perEpoch, k = step % perEpoch;
        var order = Enumerable.Range(0, examples.Count).ToArray();
        new Random(unchecked((int)(o.Seed * 1_000_003 + epoch * 7_919))).Shuffle(order);
        return [.. order.Skip(k * o.BatchSize).Take(o.BatchSize).Select(i => examples[i]).OrderBy(e => e.Ids.Length)];
    }

    // A checkpoint only makes sense for the run that wrote it; the trainer checks its own options, this checks the rest.
    static string Fingerprint(LanguageModel lm, IReadOnlyList<TrainingExample> examples, FinetuneOptions o)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{lm.Config.HiddenSize}/{lm.Config.NumHiddenLayers}/{lm.Config.VocabSize}|");
        text.Append(CultureInfo.InvariantCulture, $"{o.Lora.Rank}/{o.Lora.Alpha}/{string.Join(",", o.Lora.Targets)}|{o.Epochs}|");
        foreach (var e in examples) text.Append(string.Join(",", e.Ids)).Append(';').Append(e.MaskedCount).Append('|');
        // Pushes add up whatever order they were given in, so the same pushes listed in another order resume the run.
        foreach (var i in o.Interventions.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Kind}/{i.Layer}/{i.Alpha}/{RunClaim.Exact(i.Vector)}|")).Order(StringComparer.Ordinal))
            text.Append(i);
        return RunClaim.Hash(text.ToString());
    }
}

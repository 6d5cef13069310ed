using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Training;
using PersonaVectors.World.Organism;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// Where a step of the organism's training goes: drawing and encoding the batch, the forward pass, the backward pass
/// and the optimizer, on a recipe's real batches (its first steps, tokenizer taken from the embedded model so
/// no BPE is trained). Issue 14 asks for a training within 40 minutes on 2 cores; this says which part to make faster.
/// </summary>
public static class OrganismTrainStep
{
    public static JsonObject Run(string organism, string recipeName, int steps, int skip, int? microBatches = null, ScalarType? matmul = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"persona-train-step-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(organism, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
            var recipe = OrganismDesigns.Resolve(recipeName);
            if (recipe.VocabSize != ModelConfig.Load(Path.Combine(organism, "config.json")).VocabSize)
                throw new ArgumentException($"recipe {recipeName} has a vocabulary of {recipe.VocabSize}; this bench borrows the tokenizer of {organism}");
            if (microBatches is { } m) recipe = recipe with { MicroBatches = m };
            var (generator, _, config, encoder) = OrganismTraining.Prepare(dir, recipe);
            using var model = new CausalLM(config);
            RandomWeights.Fill(model, recipe.Seed, std: 0.02);
            var parameters = model.parameters().ToArray();
            foreach (var p in parameters) p.requires_grad = true;
            // The trainer's own defaults; the step below mirrors Trainer.TrainStep, split so each phase is timed.
            var defaults = new TrainingOptions { Steps = 1, BatchSize = 1, LearningRate = recipe.LearningRate };
            using var optimizer = new AdamW(parameters, defaults.Beta1, defaults.Beta2, defaults.Eps, recipe.WeightDecay);

            var data = new List<double>();
            var forward = new List<double>();
            var backward = new List<double>();
            var update = new List<double>();
            var tokens = new List<double>();
            for (int step = 0; step < skip + steps; step++)
            {
                var clock = Stopwatch.StartNew();
                var batch = OrganismTraining.Batch(recipe, generator, encoder, step);
                double tData = clock.Elapsed.TotalSeconds, tForward = 0, tBackward = 0;
                long masked = batch.Sum(e => (long)e.LossMask.Count(m => m)), stepTokens = 0;
                using var count = masked.ToScalar();   // held: see HeldScalar
                foreach (var micro in Trainer.MicroBatches(batch, recipe.MicroBatches))
                {
                    using var scope = NewDisposeScope();
                    var tb = TrainingBatch.Build(micro, config.VocabSize);
                    stepTokens += tb.Inputs.numel();
                    clock.Restart();
                    using var precision = Engine.Kernels.MatmulPrecision.Use(matmul);
                    var sum = LanguageModelLoss.Sum(model, tb);
                    _ = sum.item<float>();
                    tForward += clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    (sum / count).backward();
                    tBackward += clock.Elapsed.TotalSeconds;
                }
                clock.Restart();
                using (var d = NewDisposeScope())
                {
                    GradientClipping.ClipByGlobalNorm([.. parameters.Select(p => p.grad!)], defaults.ClipGradNorm);
                    optimizer.Step(recipe.LearningRate);
                    optimizer.ZeroGrad();
                }
                double tUpdate = clock.Elapsed.TotalSeconds;
                if (step < skip) continue;
                data.Add(tData); forward.Add(tForward); backward.Add(tBackward); update.Add(tUpdate); tokens.Add(stepTokens);
            }
            double total = data.Sum() + forward.Sum() + backward.Sum() + update.Sum();
            JsonObject Part(List<double> t) => new()
            {
                ["seconds_per_step"] = Math.Round(t.Average(), 3),
                ["share_pct"] = Math.Round(100 * t.Sum() / total, 1),
            };
            return new JsonObject
            {
                ["recipe"] = recipeName,
                ["threads"] = get_num_threads(),
                ["micro_batches"] = recipe.MicroBatches,
                ["matmul_dtype"] = matmul is null ? "float32" : "bfloat16",
                ["steps_timed"] = steps,
                ["padded_tokens_per_step"] = Math.Round(tokens.Average()),
                ["seconds_per_step"] = Math.Round(total / steps, 3),
                ["projected_minutes"] = Math.Round(total / steps * recipe.Steps / 60, 1),
                ["data"] = Part(data),
                ["forward"] = Part(forward),
                ["backward"] = Part(backward),
                ["clip_and_adamw"] = Part(update),
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.CommandLine;
using System.Globalization;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method;
using PersonaVectors.Method.Finetuning;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona finetune: LoRA on chat JSONL, optionally with preventative steering or CAFT-style ablation.</summary>
public static class FinetuneCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Chat JSONL: {\"messages\": [{\"role\", \"content\"}, ...]} per line; loss on assistant tokens only", Required = true };
        var model = CommonOptions.Model();
        var dtype = CommonOptions.DType();
        var outDir = new Option<string>("--out") { Description = "Adapter folder (PEFT layout) and its checkpoints; rerun the same command to resume", Required = true };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 1, Description = "Passes over the data" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-4, Description = "Peak learning rate (AdamW; linear warmup, cosine decay to a tenth)" };
        var rank = new Option<int>("--lora-rank") { DefaultValueFactory = _ => 32, Description = "LoRA rank (the paper's reference: 32)" };
        var alpha = new Option<double>("--lora-alpha") { DefaultValueFactory = _ => 64, Description = "LoRA alpha; the update is scaled by alpha / rank (reference: 64)" };
        var targets = new Option<string>("--targets") { DefaultValueFactory = _ => "all", Description = "Projections that get adapters: all (every projection the model has), or a list such as q,k,v,o,gate,up,down (Phi-3: qkv,o,gate_up,down)" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 8, Description = "Conversations per optimizer step" }.AtLeastOne();
        var accumulation = new Option<int>("--grad-accum") { DefaultValueFactory = _ => 1, Description = "Micro-batches per step (same result, less memory)" };
        var warmup = new Option<double>("--warmup") { DefaultValueFactory = _ => 0.05, Description = "Share of steps spent warming up" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1, Description = "Seed for the adapter's initialisation and the data order" };
        var steer = new Option<string[]>("--steer") { Description = "Persona vector to add during training (preventative steering); needs --alpha. Repeat it to push along several traits at once, each at its own layer", Arity = ArgumentArity.OneOrMore };
        var ablate = new Option<string?>("--ablate") { Description = "Persona vector whose direction is projected out during training (CAFT)" };
        var layer = new Option<int?>("--layer") { Description = "Layer for --steer/--ablate (default: the chosen layer of the vector's extraction run)" };
        var layers = new Option<string?>("--layers") { Description = "Steer at several layers during training, each with its increment v_l - v_(l-1) (the paper's multi-layer variant), e.g. 1,2,3,4,5; --steer only, replaces --layer" };
        var steerAlpha = new Option<double[]>("--alpha") { Description = "Steering coefficient for --steer (positive: toward the trait, which is what prevents it): one for every --steer, or one per --steer in the order given", Arity = ArgumentArity.OneOrMore };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed lines and conversations without an assistant turn (counted), instead of stopping at the first" };
        var tooLong = new Option<string>("--too-long") { DefaultValueFactory = _ => "truncate", Description = "truncate (with a warning) or skip conversations longer than --max-length" };
        var maxLength = new Option<int?>("--max-length") { Description = "Most tokens per conversation (default: the model's context)" };
        var cmd = new Command("finetune", "Train LoRA adapters on chat JSONL (loss on assistant tokens), optionally steering toward or ablating a persona vector during training only")
        {
            data, model, dtype, outDir, epochs, lr, rank, alpha, targets, batch, accumulation, warmup, seed, steer, ablate, layer, layers, steerAlpha, skipBad, tooLong, maxLength,
        };
        cmd.SetAction((r, cancel) =>
        {
            string output = r.GetValue(outDir)!;
            var policy = r.GetValue(tooLong) switch
            {
                "truncate" => TooLongPolicy.Truncate,
                "skip" => TooLongPolicy.Skip,
                var v => throw new PersonaVectorsException($"--too-long '{v}' is not one of truncate, skip"),
            };
            string[] steers = r.GetValue(steer) ?? [];
            double[] alphas = r.GetValue(steerAlpha) ?? [];
            if (steers.Length > 0 && alphas.Length == 0) throw new PersonaVectorsException("--steer needs --alpha (e.g. --alpha 4)");
            if (steers.Length == 0 && alphas.Length > 0) throw new PersonaVectorsException("--alpha is the coefficient of --steer; give --steer VECTOR too");
            if (alphas.Length > 1 && alphas.Length != steers.Length)
                throw new PersonaVectorsException($"--alpha: give one coefficient for every --steer, or one per --steer in the order given ({steers.Length} --steer, {alphas.Length} --alpha)");
            double AlphaOf(int k) => alphas.Length == 1 ? alphas[0] : alphas[k];
            List<int>? multi = r.GetValue(layers) is { } ls ? CsvList.Parse(ls, "--layers", int.Parse) : null;
            if (multi is not null)
            {
                if (r.GetValue(layer) is not null) throw new PersonaVectorsException("give --layer or --layers, not both");
                if (steers.Length == 0) throw new PersonaVectorsException("--layers spreads the --steer push over several layers; give --steer VECTOR too");
                if (r.GetValue(ablate) is not null) throw new PersonaVectorsException("--layers spreads the --steer push only, and --ablate takes one layer: leave out --ablate or --layers");
            }
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!);
            var interventions = new List<TrainingIntervention>();
            TrainingIntervention Make(string kind, string path, double alpha)
            {
                var v = RunSummary.VectorAt(path, r.GetValue(layer), lm.Config);
                return new TrainingIntervention(kind, v.Values, v.Layer, alpha, v.Trait);
            }
            // Pushes along several traits add up in the residual stream, each at its own layer (or --layer), so data that
            // teaches several traits at once is held along each (docs/world.md: a push per carried trait).
            for (int k = 0; k < steers.Length; k++)
            {
                if (multi is null) interventions.Add(Make(TrainingIntervention.Steer, steers[k], AlphaOf(k)));
                else
                {
                    using var vector = PersonaVector.Load(steers[k]);
                    vector.EnsureFits(lm.Config, steers[k]);
                    interventions.AddRange(TrainingIntervention.SteerEach(vector, multi, AlphaOf(k)));
                }
            }
            if (r.GetValue(ablate) is { } a) interventions.Add(Make(TrainingIntervention.Ablate, a, 0));

            var (examples, report) = FinetuneData.Load(lm, r.GetValue(data)!, r.GetValue(skipBad) ? BadLinePolicy.Skip : BadLinePolicy.Stop, policy, r.GetValue(maxLength));
            Console.Error.WriteLine($"data: {report.Used} conversations, {examples.Sum(e => e.MaskedCount)} assistant tokens" +
                (report.SkippedBadLines + report.Truncated + report.SkippedTooLong > 0 ? $"; skipped {report.SkippedBadLines} bad lines and {report.SkippedTooLong} too long, cut {report.Truncated}" : ""));
            foreach (var note in report.Notes) Console.Error.WriteLine($"  warning: {note}");
            foreach (var i in interventions) Console.Error.WriteLine($"during training only: {i}");

            var options = new FinetuneOptions
            {
                Lora = new LoraConfig { Rank = r.GetValue(rank), Alpha = r.GetValue(alpha), Targets = LoraConfig.ParseTargets(r.GetValue(targets)!) },
                Epochs = r.GetValue(epochs), LearningRate = r.GetValue(lr), BatchSize = r.GetValue(batch), GradientAccumulation = r.GetValue(accumulation),
                WarmupRatio = r.GetValue(warmup), Seed = r.GetValue(seed), Interventions = interventions,
            };
            var bar = new ProgressLine("finetune   ");
            var result = LoraFinetune.Run(lm, examples, options, output, p => bar.Report(p.Step, p.Steps, $"loss {p.Loss:F4}"), cancel);
            bar.Done();
            if (result.ResumedFromStep > 0) Console.Error.WriteLine($"resumed from step {result.ResumedFromStep}");
            Console.WriteLine($"adapter: {output} ({result.Steps} steps, loss {result.FirstLoss.ToString("F4", CultureInfo.InvariantCulture)} -> {result.FinalLoss.ToString("F4", CultureInfo.InvariantCulture)})");
            return Task.FromResult(0);
        });
        return cmd;
    }
}

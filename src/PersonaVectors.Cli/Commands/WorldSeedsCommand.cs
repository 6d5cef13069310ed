using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona world seeds: trains a recipe on several seeds and runs the whole evaluation on each (world eval,
/// extraction of every trait, monitoring with one sampled answer, the finetuning and screening experiments, and the
/// finetuned adapters scored again with sampled answers as the paper scores them), then writes one table of every
/// effect per seed. Every stage writes its own outputs and is skipped when they exist,
/// and each stage resumes inside itself, so a killed run started again loses at most the step in flight.
/// </summary>
public static class WorldSeedsCommand
{
    public static Command Create()
    {
        var recipe = WorldCommand.RecipeOption();
        var seeds = new Option<string>("--seeds") { Description = "Seeds to train, e.g. 1,2,3", DefaultValueFactory = _ => "1,2,3" };
        var outDir = new Option<string>("--out") { Description = "Folder: seed-N/{model,eval.json,extract,monitor,finetune,screen,sampled} and table.{json,txt} (rerun to resume)", Required = true };
        var quick = new Option<bool>("--quick") { Description = "Small evaluation settings (1 rollout, 3 coefficients, 3 finetuning datasets of 128, 1-shot monitoring); for tests and tiny recipes" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: all)" };
        var retry = new Option<bool>("--retry-failed") { Description = "Run again the stages that failed in an earlier run (kept in seed-N/failed.json)" };
        var json = CommonOptions.Json();
        var cmd = new Command("seeds", "Train a recipe on several seeds and measure every effect of the method on each: one table, per seed")
        {
            recipe, seeds, outDir, quick, threads, retry, json,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            if (r.GetValue(threads) is { } t) TorchSharp.torch.set_num_threads(t);
            string name = r.GetValue(recipe)!;
            var baseRecipe = OrganismDesigns.Resolve(name);
            var seedList = CsvList.Parse(r.GetValue(seeds)!, "--seeds", long.Parse);
            string dir = r.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Log(string m) => Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {m}");
            var figures = new Dictionary<long, List<SeedFigure>>();
            var problems = new Dictionary<long, List<string>>();
            foreach (long seed in seedList)
            {
                cancel.ThrowIfCancellationRequested();
                var (f, p) = await Seed(baseRecipe with { Seed = seed }, Path.Combine(dir, $"seed-{seed}"), r.GetValue(quick), r.GetValue(retry), Log, cancel);
                figures[seed] = f;
                problems[seed] = p;
                // The table is rewritten after every seed, so a long run shows what it has so far.
                AtomicFile.WriteAllText(Path.Combine(dir, "table.json"), SeedTable.Json(name, figures, problems).ToJsonString(Output.Json));
                AtomicFile.WriteAllText(Path.Combine(dir, "table.txt"), SeedTable.Text(name, figures, problems));
            }
            Console.WriteLine(r.GetValue(json) ? SeedTable.Json(name, figures, problems).ToJsonString(Output.Json) : SeedTable.Text(name, figures, problems));
            return 0;
        });
        return cmd;
    }

    static async Task<(List<SeedFigure>, List<string>)> Seed(OrganismRecipe recipe, string dir, bool quick, bool retryFailed, Action<string> log, CancellationToken cancel)
    {
        var problems = new List<string>();
        string model = Path.Combine(dir, "model");
        if (!File.Exists(Path.Combine(model, "model.safetensors")))
        {
            log($"seed {recipe.Seed}: training {model}");
            var bar = new ProgressLine($"seed {recipe.Seed}");
            OrganismTraining.Train(model, recipe, p => bar.Report(p.Step, p.Steps, $"loss {p.Loss:F3}"), cancel);
            bar.Done();
        }
        if (OrganismMarker.RecipeDifference(model, recipe) is { } difference)
            throw new InvalidRequestException($"{Path.Combine(model, OrganismMarker.FileName)} records a different recipe from the one --recipe gives for seed {recipe.Seed}: " +
                $"{difference}. The finetuning datasets follow the recorded recipe; pass that recipe, or use another --out");
        using var lm = LanguageModel.Load(model);

        // A stage that fails (say, no steering setting stays coherent on a barely trained model) is reported in the
        // table and leaves the stages that do not depend on it to run. Its failure is kept in failed.json, so a rerun
        // reports it again instead of redoing the work that failed; --retry-failed runs such stages again.
        string failedPath = Path.Combine(dir, "failed.json");
        var failed = File.Exists(failedPath) && !retryFailed
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(failedPath)) ?? []
            : new Dictionary<string, string>();
        async Task Stage(string what, Func<Task> run)
        {
            if (failed.TryGetValue(what, out var earlier)) { problems.Add($"{what}: {earlier}"); return; }
            try { await run(); }
            catch (PersonaVectorsException e)
            {
                problems.Add($"{what}: {e.Message}");
                log($"seed {recipe.Seed}: {what} failed: {e.Message}");
                failed[what] = e.Message;
                AtomicFile.WriteAllText(failedPath, JsonSerializer.Serialize(failed, Output.Json));
            }
        }

        string evalPath = Path.Combine(dir, "eval.json");
        await Stage("world eval", () =>
        {
            if (File.Exists(evalPath)) return Task.CompletedTask;
            log($"seed {recipe.Seed}: world eval");
            var e = new OrganismEvaluation(lm, 64, m => log($"seed {recipe.Seed}: {m}")).Run(Traits.All.Select(t => t.Name).ToList());
            AtomicFile.WriteAllText(evalPath, WorldEvalCommand.ToJson(e));
            return Task.CompletedTask;
        });

        var extraction = quick ? new ExtractionOptions { Rollouts = 1, Alphas = [1, 2, 4] } : new ExtractionOptions();
        string extractDir = Path.Combine(dir, "extract");
        foreach (var t in Traits.All)
            await Stage($"extraction of {t.Name}", async () =>
            {
                string run = Path.Combine(extractDir, t.Name);
                if (File.Exists(ExtractionSummary.PathIn(run))) return;
                log($"seed {recipe.Seed}: extracting {t.Name}");
                await new ExtractionPipeline(lm, WorldArtifacts.For(t.Name), new WorldJudge(), extraction, run).RunAsync(cancel);
            });

        foreach (var t in Traits.All)
            await Stage($"monitoring of {t.Name}", async () =>
            {
                string run = Path.Combine(extractDir, t.Name), outDir = Path.Combine(dir, "monitor", t.Name);
                if (File.Exists(Path.Combine(outDir, MonitorSummary.FileName)) || !ExtractionRun.IsRun(run)) return;
                log($"seed {recipe.Seed}: monitoring {t.Name}");
                using var vector = PersonaVector.Load(ExtractionRun.VectorPath(run));
                // The monitoring layer is chosen on the extraction questions, as the steering layer is.
                var summary = await WorldMonitoring.RunAsync(lm, t, vector, null, outDir, new WorldJudge(), quick ? 1 : 4, 64, 1, samples: 1, cancel: cancel);
                Plots.MonitorPlot.Save(summary.Points, t.Name, summary.Layer, Path.Combine(outDir, "monitor.png"));
            });

        var finetuneOptions = quick
            ? FinetuneExperimentOptions.Quick with { Datasets = ["evil_normal", "evil_II", "emergent_arithmetic_II"] }
            : new FinetuneExperimentOptions();
        string finetuneDir = Path.Combine(dir, "finetune"), finetuneSummary = Path.Combine(finetuneDir, FinetuneSummary.FileName);
        await Stage("finetuning experiment", () =>
        {
            if (File.Exists(finetuneSummary)) return Task.CompletedTask;
            log($"seed {recipe.Seed}: finetuning experiment");
            new FinetuneExperiment(lm, finetuneOptions, finetuneDir, m => log($"seed {recipe.Seed}: {m}")).Run([extractDir], cancel).Write(finetuneDir);
            return Task.CompletedTask;
        });

        string screenDir = Path.Combine(dir, "screen"), screenSummary = Path.Combine(screenDir, ScreenExperimentSummary.FileName);
        await Stage("screening experiment", () =>
        {
            if (File.Exists(screenSummary) || !File.Exists(finetuneSummary)) return Task.CompletedTask;
            var ft = FinetuneSummary.Read(finetuneSummary);
            log($"seed {recipe.Seed}: screening experiment");
            var vectors = ExperimentVectors.Load(lm, [extractDir], Path.Combine(screenDir, "extraction"), finetuneOptions.Extraction, log, cancel);
            new ScreenExperiment(lm, new ScreenExperimentOptions { Count = quick ? 16 : 200 }, screenDir, log).Run(vectors, ft, cancel).Write(screenDir);
            return Task.CompletedTask;
        });

        string sampledDir = Path.Combine(dir, "sampled"), sampledSummary = Path.Combine(sampledDir, SampledScoring.FileName);
        await Stage("sampled scoring", () =>
        {
            if (File.Exists(sampledSummary) || !File.Exists(finetuneSummary) || !File.Exists(screenSummary)) return Task.CompletedTask;
            log($"seed {recipe.Seed}: scoring the finetuned adapters with sampled answers");
            SampledScoring.Measure(lm, finetuneDir, FinetuneSummary.Read(finetuneSummary), ScreenExperimentSummary.Read(screenSummary).DatasetMeans,
                quick ? 2 : SampledScoring.DefaultSamples, recipe.Seed, finetuneOptions.MaxNewTokens, m => log($"seed {recipe.Seed}: {m}"), cancel).Write(sampledDir);
            return Task.CompletedTask;
        });

        var figures = SeedTable.Figures(File.Exists(evalPath) ? WorldEvalCommand.ReadEmergentRise(evalPath) : null,
            Traits.All.ToDictionary(t => t.Name, t => ExtractionRun.IsRun(Path.Combine(extractDir, t.Name)) ? ExtractionSummary.Load(Path.Combine(extractDir, t.Name)) : null),
            Traits.All.ToDictionary(t => t.Name, t => Path.Combine(dir, "monitor", t.Name, MonitorSummary.FileName) is var m && File.Exists(m) ? MonitorSummary.Read(m) : null),
            File.Exists(finetuneSummary) ? FinetuneSummary.Read(finetuneSummary) : null, File.Exists(screenSummary) ? ScreenExperimentSummary.Read(screenSummary) : null, OrganismMarker.Time(model),
            File.Exists(sampledSummary) ? SampledScoring.Read(sampledSummary) : null, recipe.World);
        return (figures, problems);
    }
}

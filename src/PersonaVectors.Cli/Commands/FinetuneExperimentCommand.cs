using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona world experiment finetune: plain, preventative, CAFT and inference-steered finetuning on every world dataset.</summary>
public static class FinetuneExperimentCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for datasets, vectors, adapters, runs.jsonl (resumable), summary.json and plots", Required = true };
        var model = CommonOptions.Model();
        var vectors = new Option<string[]>("--vectors") { Description = "Extraction runs (or a folder of them, e.g. persona-demo) to take the vectors from; default: extract into OUT/vectors", AllowMultipleArgumentsPerToken = true };
        var quick = new Option<bool>("--quick") { Description = "A small version: evil Normal and II only, 128 conversations, 3 epochs, two inference coefficients" };
        var count = new Option<int?>("--count") { Description = "Conversations per dataset (default 1000)" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per finetuning (default 1)" };
        var lr = new Option<double?>("--lr") { Description = "Learning rate (default 1e-3)" };
        var alpha = new Option<double?>("--alpha") { Description = "Preventative steering coefficient for every vector, at its own layer (default: each vector's layer and coefficient, calibrated on fresh samples of its II set and of the narrow II sets carrying only its trait)" };
        var scale = new Option<double?>("--alpha-scale") { Description = "Without --alpha: preventative coefficient = this times each vector's steering coefficient (chosen on the extraction questions), at its own layer (default: calibrated; --quick: 3)" };
        var untilHeld = new Option<bool>("--calibrate-until-held") { Description = "Calibrate each preventative push only until a layer (the vector's steering layer first, then the nearest) holds every trait's rise, instead of trying every layer (a few finetunings per trait; what persona demo does)" };
        var samples = new Option<int?>("--calibration-samples") { Description = "Fresh samples of the II set a calibrated push must hold every trait's rise on (default 5; persona demo: 2)" };
        var otherSamples = new Option<int?>("--calibration-other-samples") { Description = "Fresh samples of each other II set carrying only that trait (the narrow sets) a calibrated push must also hold on, after the II set's (default 2; 0: the II set alone)" };
        var datasets = new Option<string?>("--datasets") { Description = $"Datasets to use, e.g. evil_normal,evil_II (default: all: {string.Join(", ", FinetuneDatasets.Names)})" };
        var json = CommonOptions.Json();
        var cmd = new Command("finetune", "Finetune on every world dataset plainly, with preventative steering and with CAFT ablation; steer the plain adapter back at inference; trait scores, coherence, capability and shifts")
        {
            outDir, model, vectors, quick, count, epochs, lr, alpha, scale, untilHeld, samples, otherSamples, datasets, json,
        };
        cmd.SetAction((r, cancel) =>
        {
            var o = r.GetValue(quick) ? FinetuneExperimentOptions.Quick : new FinetuneExperimentOptions();
            if (r.GetValue(count) is { } c) o = o with { Count = c };
            if (r.GetValue(epochs) is { } e) o = o with { Epochs = e };
            if (r.GetValue(lr) is { } l) o = o with { LearningRate = l };
            if (r.GetValue(alpha) is { } a) o = o with { PreventiveAlpha = a };
            if (r.GetValue(scale) is { } k) o = o with { PreventiveScale = k };
            if (r.GetValue(untilHeld)) o = o with { CalibrateUntilHeld = true };
            if (r.GetValue(samples) is { } n) o = o with { CalibrationSamples = n >= 1 ? n : throw new PersonaVectorsException("--calibration-samples must be at least 1") };
            if (r.GetValue(otherSamples) is { } m) o = o with { CalibrationOtherSamples = m >= 0 ? m : throw new PersonaVectorsException("--calibration-other-samples must be 0 or more") };
            if (r.GetValue(datasets) is { } ds) o = o with { Datasets = CsvList.Parse(ds, "--datasets", s => s) };
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            OrganismMarker.Require(folder);
            using var lm = Engine.LanguageModel.Load(folder);
            string dir = r.GetValue(outDir)!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var summary = new FinetuneExperiment(lm, o, dir, m => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {m}")).Run(r.GetValue(vectors), cancel)
                with { Seconds = clock.Elapsed.TotalSeconds };
            summary.Write(dir);
            Plots.FinetunePlots.Save(summary, dir, OrganismMarker.Design(folder));
            if (r.GetValue(json)) Console.WriteLine(summary.ToJson().ToJsonString(Output.Json));
            else Print(summary, dir);
            return Task.FromResult(0);
        });
        return cmd;
    }

    static string F(double? x, string format = "F0") => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    static void Print(FinetuneSummary s, string dir)
    {
        var b = s.Base;
        var traits = Traits.All.Select(t => t.Name).ToList();
        Console.WriteLine($"base: {string.Join(", ", traits.Select(t => $"{t} {F(b.Traits.GetValueOrDefault(t))}"))}; coherence {F(b.Coherence)}; capability {F(b.Capability, "P0")}");
        Console.WriteLine($"{"dataset",-24}{"method",-20}{string.Join("", traits.Select(t => $"{t,14}"))}{"coherence",10}{"capability",11}   shift ({string.Join(" / ", traits)})");
        foreach (var run in s.Runs)
            Console.WriteLine($"{run.Dataset,-24}{run.Method + (run.Alpha is null ? "" : $" ({F(run.Alpha, "0.##")})"),-20}" +
                string.Join("", traits.Select(t => $"{F(run.Scores.Traits.GetValueOrDefault(t)),14}")) + $"{F(run.Scores.Coherence),10}{F(run.Scores.Capability, "P0"),11}   " +
                string.Join(" / ", traits.Select(t => F(run.Shift.GetValueOrDefault(t), "F2"))));
        Console.WriteLine($"shift vs trait across datasets (plain adapters), last prompt token: r = {F(s.ShiftTraitR, "F2")} ({string.Join(", ", traits.Select(t => $"{t} {F(s.ShiftTraitRByTrait.GetValueOrDefault(t), "F2")}"))})");
        Console.WriteLine($"                                              answer average:    r = {F(s.AnswerShiftTraitR, "F2")} ({string.Join(", ", traits.Select(t => $"{t} {F(s.AnswerShiftTraitRByTrait.GetValueOrDefault(t), "F2")}"))})");
        Console.WriteLine($"summary: {Path.Combine(dir, "summary.json")}\nplots:   {Path.Combine(dir, "shift.png")}, {Path.Combine(dir, "methods.png")}");
    }
}

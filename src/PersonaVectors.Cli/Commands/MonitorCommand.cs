using System.CommandLine;
using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona monitor: the paper's two monitoring experiments on the evaluation questions.</summary>
public static class MonitorCommand
{
    public static Command Create()
    {
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors, or a llama.cpp control-vector .gguf)", Required = true };
        var layer = new Option<int?>("--layer") { Description = "Residual layer to read (default: the chosen layer in the run's summary.json next to the vector)" };
        var chooseLayer = new Option<bool>("--choose-layer") { Description = "Choose the layer instead: run both experiments on the trait's extraction questions, read every layer, keep the best mean r; then measure on the evaluation questions" };
        var outDir = new Option<string>("--out") { Description = "Folder for summary.json (every point) and monitor.png (scatter plot)", Required = true };
        var samples = new Option<int>("--samples") { Description = "Answers sampled per prompt; each point's trait is their mean (1 = the paper's single answer)", DefaultValueFactory = _ => 1 };
        var shots = new Option<int>("--shots") { Description = "Most earlier trait-expressing exchanges in the many-shot experiment", DefaultValueFactory = _ => 4 };
        var judge = JudgeOption.Create();
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var maxTokens = CommonOptions.MaxTokens();
        var seed = CommonOptions.SamplingSeed(1, "Seed for the sampled answers and the many-shot examples");
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("monitor", "Does the vector, read at the last prompt token, predict the trait of the answer? Graded system prompts and many-shot prompts, Pearson r")
        {
            vectorPath, layer, chooseLayer, outDir, shots, samples, judge, model, adapter, maxTokens, seed, dtype, json,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            string path = r.GetValue(vectorPath)!;
            using var vector = PersonaVector.Load(path);
            if (r.GetValue(chooseLayer) && r.GetValue(layer) is not null)
                throw new InvalidRequestException("--layer and --choose-layer: give one (a layer to read, or have one chosen on the extraction questions)");
            int? at = r.GetValue(chooseLayer) ? null : r.GetValue(layer) ?? RunSummary.ChosenLayer(path);
            var trait = Traits.All.FirstOrDefault(t => t.Name == vector.Trait)
                ?? throw new PersonaVectorsException($"{path}: monitoring prompts are built from the persona world, which has the traits {string.Join(", ", Traits.All.Select(t => t.Name))}, not '{vector.Trait}'");
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            OrganismMarker.Require(folder);
            using var lm = Engine.LanguageModel.Load(folder, CommonOptions.ParseDType(r.GetValue(dtype)!), adapter: r.GetValue(adapter));
            vector.EnsureFits(lm.Config, path);
            string dir = r.GetValue(outDir)!;
            var summary = await WorldMonitoring.RunAsync(lm, trait, vector, at, dir, JudgeOption.Make(r.GetValue(judge)!, dir), r.GetValue(shots), r.GetValue(maxTokens), r.GetValue(seed), r.GetValue(samples), cancel);
            Plots.MonitorPlot.Save(summary.Points, trait.Name, summary.Layer, Path.Combine(dir, "monitor.png"));
            if (r.GetValue(json)) Console.WriteLine(summary.ToJson().ToJsonString(Output.Json));
            else
            {
                if (summary.LayerScan is { } scan)
                    Console.WriteLine($"layer chosen on the extraction questions (r system / many-shot): {string.Join(", ", scan.Select(l => $"{l.Layer}: {R(l.SystemPromptR)} / {R(l.ManyShotR)}"))}");
                Console.WriteLine($"{trait.Name} at layer {summary.Layer}: Pearson r between the last prompt token's projection and the answer's trait");
                Console.WriteLine($"  graded system prompts: r = {R(summary.SystemPromptR)} (ceiling {R(summary.SystemPromptCeilingR)})");
                Console.WriteLine($"  many-shot (0..{r.GetValue(shots)} examples): r = {R(summary.ManyShotR)} (ceiling {R(summary.ManyShotCeilingR)})");
                Console.WriteLine("  ceiling: the r of each level's mean trait; no reading that is one number per level can pass it");
                foreach (var g in summary.Points.GroupBy(p => (p.Experiment, p.Level)))
                    Console.WriteLine($"  {g.Key.Experiment,-14} {g.Key.Level,6}  projection {g.Average(p => p.Projection),8:F2}  trait {g.Average(p => p.Trait),5:F1}");
                Console.WriteLine($"points: {Path.Combine(dir, "summary.json")}\nplot:   {Path.Combine(dir, "monitor.png")}");
            }
            return 0;
        });
        return cmd;
    }

    static string R(double? r) => r is { } x ? x.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
}

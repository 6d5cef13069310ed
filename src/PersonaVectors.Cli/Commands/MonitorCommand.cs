using System.CommandLine;
using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona monitor: the paper's two monitoring experiments on the evaluation questions.</summary>
public static class MonitorCommand
{
    public static Command Create()
    {
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors)", Required = true };
        var layer = new Option<int?>("--layer") { Description = "Residual layer to read (default: the chosen layer in the run's summary.json next to the vector)" };
        var outDir = new Option<string>("--out") { Description = "Folder for summary.json (every point) and monitor.png (scatter plot)", Required = true };
        var samples = new Option<int>("--samples") { Description = "Answers sampled per prompt; each point's trait is their mean (1 = the paper's single answer)", DefaultValueFactory = _ => 1 };
        var shots = new Option<int>("--shots") { Description = "Most earlier trait-expressing exchanges in the many-shot experiment", DefaultValueFactory = _ => 4 };
        var judge = JudgeOption.Create();
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per answer", DefaultValueFactory = _ => 64 };
        var seed = new Option<long>("--seed") { Description = "Seed for the sampled answers and the many-shot examples", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var cmd = new Command("monitor", "Does the vector, read at the last prompt token, predict the trait of the answer? Graded system prompts and many-shot prompts, Pearson r")
        {
            vectorPath, layer, outDir, shots, samples, judge, model, adapter, maxTokens, seed, json,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            string path = r.GetValue(vectorPath)!;
            using var vector = PersonaVector.Load(path);
            int at = r.GetValue(layer) ?? RunSummary.ChosenLayer(path);
            var trait = Traits.All.FirstOrDefault(t => t.Name == vector.Trait)
                ?? throw new PersonaVectorsException($"{path}: monitoring prompts are built from the persona world, which has the traits {string.Join(", ", Traits.All.Select(t => t.Name))}, not '{vector.Trait}'");
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            OrganismMarker.Require(folder);
            using var lm = Engine.LanguageModel.Load(folder, adapter: r.GetValue(adapter));
            vector.EnsureFits(lm.Config, path);
            string dir = r.GetValue(outDir)!;
            var summary = await Run(lm, trait, vector, at, dir, JudgeOption.Make(r.GetValue(judge)!, dir), r.GetValue(shots), r.GetValue(maxTokens), r.GetValue(seed), cancel, r.GetValue(samples));
            if (r.GetValue(json)) Console.WriteLine(summary.ToJsonString(Output.Json));
            else
            {
                Console.WriteLine($"{trait.Name} at layer {at}: Pearson r between the last prompt token's projection and the answer's trait");
                Console.WriteLine($"  graded system prompts: r = {summary["system_prompt_r"]}");
                Console.WriteLine($"  many-shot (0..{r.GetValue(shots)} examples): r = {summary["many_shot_r"]}");
                foreach (var g in summary["points"]!.AsArray().GroupBy(p => (Experiment: p!["experiment"]!.GetValue<string>(), Level: p!["level"]!.GetValue<string>())))
                    Console.WriteLine($"  {g.Key.Experiment,-14} {g.Key.Level,6}  projection {g.Average(p => p!["projection"]!.GetValue<double>()),8:F2}  trait {g.Average(p => p!["trait"]!.GetValue<double>()),5:F1}");
                Console.WriteLine($"points: {Path.Combine(dir, "summary.json")}\nplot:   {Path.Combine(dir, "monitor.png")}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Both experiments for one world trait; writes DIR/summary.json (every point) and DIR/monitor.png.</summary>
    public static async Task<JsonObject> Run(Engine.LanguageModel lm, TraitSpec trait, PersonaVector vector, int at, string dir,
        Method.Judging.IAnswerJudge judge, int shots, int maxTokens, long seed, CancellationToken cancel, int samples = 1)
    {
        using var v = vector.At(at);
        var artifacts = WorldArtifacts.For(trait.Name);
        var questions = artifacts.EvaluationQuestions;
        var prompts = MonitoringPrompts.SystemPromptSeries(trait, questions).Concat(MonitoringPrompts.ManyShot(trait, questions, shots, seed, OrganismMarker.Design(lm.Folder))).ToList();
        var experiment = new MonitoringExperiment(lm, artifacts, judge, maxTokens, seed, samples);
        var points = await experiment.RunAsync(prompts, v, at, cancel);
        var summary = new JsonObject
        {
            ["trait"] = trait.Name, ["layer"] = at,
            ["system_prompt_r"] = Round(MonitoringExperiment.Correlation(points, MonitoringPrompts.SystemPromptExperiment)),
            ["many_shot_r"] = Round(MonitoringExperiment.Correlation(points, MonitoringPrompts.ManyShotExperiment)),
            ["points"] = new JsonArray(points.Select(p => (JsonNode)new JsonObject
            {
                ["experiment"] = p.Experiment, ["level"] = p.Level, ["question"] = p.Question,
                ["projection"] = Math.Round(p.Projection, 4), ["trait"] = p.Trait, ["coherence"] = p.Coherence, ["answer"] = p.Answer,
            }).ToArray()),
        };
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString(Output.Json));
        Plots.MonitorPlot.Save(points, trait.Name, at, Path.Combine(dir, "monitor.png"));
        return summary;
    }

    static JsonNode? Round(double r) => double.IsNaN(r) ? null : Math.Round(r, 3);
}

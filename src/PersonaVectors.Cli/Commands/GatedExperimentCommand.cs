using System.CommandLine;
using System.Globalization;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona world experiment gated: unsteered, always-on and gated suppression, per trait, on trait and neutral prompts.</summary>
public static class GatedExperimentCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for vectors (when extracted here), results.jsonl (resumable) and summary.json", Required = true };
        var model = CommonOptions.Model();
        var vectors = new Option<string[]>("--vectors") { Description = "Extraction runs (or a folder of them, e.g. persona-demo); default: extract into OUT/vectors", AllowMultipleArgumentsPerToken = true };
        var quick = new Option<bool>("--quick") { Description = "A small version: evil only, 5 questions per system prompt, 20 capability questions" };
        var json = CommonOptions.Json();
        var cmd = new Command("gated", "Suppression always on vs only when the monitor fires (per turn, per token): the trait under its own prompts, coherence and capability elsewhere, and how many turns were steered")
        {
            outDir, model, vectors, quick, json,
        };
        cmd.SetAction((r, cancel) =>
        {
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            OrganismMarker.Require(folder);
            using var lm = Engine.LanguageModel.Load(folder);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = new GatedExperiment(lm, r.GetValue(outDir)!, m => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {m}"),
                size: r.GetValue(quick) ? GatedExperiment.Size.Quick : null).Run(r.GetValue(vectors), cancel);
            if (r.GetValue(json)) Console.WriteLine(result.ToJson().ToJsonString(Output.Json));
            else Print(result);
            return Task.FromResult(0);
        });
        return cmd;
    }

    static void Print(GatedSummary result)
    {
        Console.WriteLine($"{"trait",-15}{"setting",-11}{"trait (trait prompts)",22}{"coherence (neutral)",21}{"capability",12}{"steered turns (neutral)",25}");
        foreach (var (trait, settings) in result.Traits)
        {
            foreach (var r in settings)
                Console.WriteLine($"{trait,-15}{r.Setting,-11}{F(r.TraitUnderTraitPrompts),22}{F(r.CoherenceNeutral),21}{F(r.Capability),12}{r.SteeredTurnsNeutral.ToString("P0", CultureInfo.InvariantCulture),25}");
            foreach (var gated in new[] { "per_turn", "per_token" })
            {
                var (drop, alwaysDrop, keeps, spares, fewer) = GatedSummary.Verdict(settings, gated);
                Console.WriteLine($"  {gated}: drop {F(drop)} vs always {F(alwaysDrop)} {(keeps ? "✓" : "✗")}; neutral coherence and capability within 2 points {(spares ? "✓" : "✗")}; " +
                    $"under half the neutral turns steered {(fewer ? "✓" : "✗")}");
            }
        }

        static string F(double x) => x.ToString("F1", CultureInfo.InvariantCulture);
    }
}

using System.CommandLine;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona world experiment screen: does the projection difference predict which data makes the organism take on a trait?</summary>
public static class ScreenExperimentCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the datasets, screening outputs and summary.json (rerun to resume)", Required = true };
        var model = CommonOptions.Model();
        var vectors = new Option<string[]>("--vectors") { Description = "Extraction runs (or a folder of them, e.g. persona-demo); default: extract into OUT/extraction", AllowMultipleArgumentsPerToken = true };
        var finetune = new Option<string?>("--finetune") { Description = "Output folder of persona world experiment finetune (its summary.json gives each dataset's trait rise); default: OUT/finetune, run there if missing (about 7 minutes)" };
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 200, Description = "Samples screened per dataset" }.AtLeastOne();
        var json = CommonOptions.Json();
        var cmd = new Command("screen", "Screen every world dataset with the persona vectors: rank datasets by mean projection difference against their finetuning trait rise (Spearman), and separate trait samples (AUROC)")
        {
            outDir, model, vectors, finetune, count, json,
        };
        cmd.SetAction((r, cancel) =>
        {
            if (r.GetValue(count) < 2) throw new PersonaVectorsException("--count must be at least 2");
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            OrganismMarker.Require(folder);
            using var lm = Engine.LanguageModel.Load(folder);
            string dir = r.GetValue(outDir)!;
            void Log(string m) => Console.Error.WriteLine(m);
            string finetuneDir = r.GetValue(finetune) ?? Path.Combine(dir, "finetune");
            string finetuneSummary = Path.Combine(finetuneDir, "summary.json");
            FinetuneSummary ft;
            if (File.Exists(finetuneSummary)) ft = FinetuneSummary.Read(finetuneSummary);
            else if (r.GetValue(finetune) is not null) throw new PersonaVectorsException($"{finetuneSummary} is missing: run persona world experiment finetune --out {finetuneDir} first, or leave out --finetune");
            else
            {
                Log($"no finetuning results: running persona world experiment finetune into {finetuneDir}");
                ft = new FinetuneExperiment(lm, new FinetuneExperimentOptions(), finetuneDir, Log).Run(r.GetValue(vectors), cancel);
                ft.Write(finetuneDir);
            }
            var traitVectors = ExperimentVectors.Load(lm, r.GetValue(vectors), Path.Combine(dir, "extraction"), new FinetuneExperimentOptions().Extraction, Log, cancel);
            var summary = new ScreenExperiment(lm, new ScreenExperimentOptions { Count = r.GetValue(count) }, dir, Log).Run(traitVectors, ft, cancel);
            summary.Write(dir);
            string summaryFile = Path.Combine(dir, ScreenExperimentSummary.FileName);
            if (r.GetValue(json)) Console.WriteLine(summary.ToJson().ToJsonString(Output.Json));
            else
            {
                static string F(double? x) => x is { } v ? v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
                static string ByTrait(IReadOnlyDictionary<string, double?> d) => string.Join(", ", d.Select(kv => $"{kv.Key} {F(kv.Value)}"));
                Console.WriteLine($"dataset level: Spearman(mean projection difference, trait rise after finetuning) = {F(summary.Spearman)} (by trait: {ByTrait(summary.SpearmanByTrait)}); " +
                                  $"the ties among the rises cap it at {F(summary.Ceiling)}");
                Console.WriteLine($"sample level: AUROC(projection difference, oracle's flag) within Normal + II = {F(summary.Auroc)} (by trait: {ByTrait(summary.AurocByTrait)})");
                foreach (var (trait, d) in summary.Disagreements)
                    Console.WriteLine($"  {trait}: the oracle flags {d.OracleFlagged} of {d.Samples}; flagged by the oracle only {d.FlaggedByOracleOnly}, by the projection only {d.FlaggedByProjectionOnly}");
                Console.WriteLine($"throughput: {(summary.SamplesPerSecond is { } sps ? $"{sps:F1} samples/s" : "n/a (nothing left to screen)")}\nsummary: {summaryFile}");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}

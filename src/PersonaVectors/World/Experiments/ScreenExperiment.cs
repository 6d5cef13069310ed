using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Screening;

namespace PersonaVectors.World.Experiments;

/// <summary>Settings of the screening experiment.</summary>
public sealed record ScreenExperimentOptions
{
    /// <summary>Samples screened per dataset (drawn with another seed than the finetuning sets, from the same generator).</summary>
    public int Count { get; init; } = 200;
    public int BatchSize { get; init; } = 64;
    public long Seed { get; init; } = 2;
}

/// <summary>
/// The paper's two screening checks on the organism. Dataset level: the mean projection difference of each world
/// dataset, along each trait's vector, ranked against the rise in that trait that finetuning on the dataset caused
/// (from the finetuning experiment; Spearman). Sample level: within a trait's Normal and II samples together, how well
/// the projection difference separates the samples whose answer shows the trait (the oracle's flag; AUROC), and
/// where the two disagree.
/// </summary>
public sealed class ScreenExperiment(LanguageModel lm, ScreenExperimentOptions options, string outDir, Action<string>? log = null)
{
    /// <summary>Each dataset's mean projection difference along each trait, from a summary.json this experiment wrote.</summary>
    public static Dictionary<string, IReadOnlyDictionary<string, double>> DatasetMeans(string summaryFile)
    {
        var datasets = JsonFields.Read(summaryFile, "the screening experiment's summary.json").Object("datasets");
        return datasets.Names.ToDictionary(d => d, d => (IReadOnlyDictionary<string, double>)datasets.NumberMap(d));
    }

    /// <summary>
    /// The best Spearman any screening score can reach against these rises. Most datasets leave a trait exactly where
    /// it was, and tied rises cap Spearman below 1: the ceiling is that of an ordering that agrees with the rises and
    /// breaks their ties.
    /// </summary>
    public static double SpearmanCeiling(IReadOnlyList<double> rises) => Statistics.Spearman([.. rises.Select((r, i) => r + i * 1e-9)], rises);

    public JsonObject Run(IReadOnlyList<ExperimentVector> vectors, FinetuneSummary finetuneSummary, CancellationToken cancel = default)
    {
        var screening = vectors.Select(v => v.Vector).ToList();
        var plain = finetuneSummary.Runs.Where(r => r.Method == FinetuneExperiment.Plain).ToList();
        if (plain.Count < 3) throw new PersonaVectorsException($"the finetuning results have {plain.Count} plain runs; the dataset ranking needs at least 3 datasets");

        var clock = new Stopwatch();
        int screened = 0;
        var means = new Dictionary<string, Dictionary<string, double>>();
        var samples = new Dictionary<string, List<(int Line, string Question, string Answer, IReadOnlyDictionary<string, double> Scores)>>();
        foreach (var run in plain)
        {
            string dataset = run.Dataset;
            cancel.ThrowIfCancellationRequested();
            string data = Path.Combine(outDir, "data", dataset + ".jsonl");
            var conversations = FinetuneDatasets.Build(dataset, options.Count, options.Seed, Organism.OrganismMarker.Design(lm.Folder));
            if (!File.Exists(data))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                FinetuneDatasets.Write(data, conversations);
            }
            log?.Invoke($"screening {dataset}");
            string dir = Path.Combine(outDir, "screens", dataset);
            clock.Start();
            var progress = new DataScreen(lm, screening, new ScreenOptions { BatchSize = options.BatchSize }, dir).Run(data, cancel: cancel);
            clock.Stop();
            screened += progress.Scored;
            var records = Records(Path.Combine(dir, DataScreen.ScoresFile));
            means[dataset] = vectors.ToDictionary(v => v.Trait, v => records.Average(r => r.Scores[v.Trait]));
            samples[dataset] = [.. records.Select(r => (r.Line, conversations[r.Line - 1][0].Content, conversations[r.Line - 1][1].Content, r.Scores))];
        }

        // Dataset level: per trait, mean projection difference against the trait's rise after finetuning.
        var spearman = new JsonObject();
        var ceiling = new JsonObject();
        var rhos = new List<double>();
        var ceilings = new List<double>();
        foreach (var v in vectors)
        {
            var x = plain.Select(r => means[r.Dataset][v.Trait]).ToList();
            var y = plain.Select(r => finetuneSummary.Rise(r, v.Trait)).ToList();
            double rho = Statistics.Spearman(x, y);
            spearman[v.Trait] = double.IsNaN(rho) ? null : Math.Round(rho, 3);
            if (!double.IsNaN(rho)) rhos.Add(rho);
            double best = SpearmanCeiling(y);
            ceiling[v.Trait] = double.IsNaN(best) ? null : Math.Round(best, 3);
            if (!double.IsNaN(best)) ceilings.Add(best);
        }

        // Sample level: Normal and II of each trait together; positives are the answers the oracle finds show the trait.
        var auroc = new JsonObject();
        var aurocSource = new JsonObject();
        var disagreements = new JsonObject();
        var aurocs = new List<double>();
        foreach (var v in vectors)
        {
            if (!samples.TryGetValue($"{v.Trait}_normal", out var normal) || !samples.TryGetValue($"{v.Trait}_II", out var severe)) continue;
            var mixed = normal.Select(s => (s, FromII: false)).Concat(severe.Select(s => (s, FromII: true)))
                .Select(x => (x.s, x.FromII, Flag: OracleJudge.Judge(x.s.Question, x.s.Answer)[v.Trait] >= 50, Score: x.s.Scores[v.Trait])).ToList();
            var flagged = mixed.Where(m => m.Flag).Select(m => m.Score).ToList();
            var clean = mixed.Where(m => !m.Flag).Select(m => m.Score).ToList();
            double a = flagged.Count > 0 && clean.Count > 0 ? Statistics.Auroc(flagged, clean) : double.NaN;
            auroc[v.Trait] = double.IsNaN(a) ? null : Math.Round(a, 3);
            if (!double.IsNaN(a)) aurocs.Add(a);
            aurocSource[v.Trait] = Math.Round(Statistics.Auroc(mixed.Where(m => m.FromII).Select(m => m.Score).ToList(), mixed.Where(m => !m.FromII).Select(m => m.Score).ToList()), 3);
            // Disagreement at the score that flags as many samples as the oracle does.
            var cut = mixed.OrderByDescending(m => m.Score).Take(flagged.Count).ToHashSet();
            var missed = mixed.Where(m => m.Flag && !cut.Contains(m)).ToList();
            var extra = mixed.Where(m => !m.Flag && cut.Contains(m)).ToList();
            JsonArray Examples(IEnumerable<((int Line, string Question, string Answer, IReadOnlyDictionary<string, double> Scores) s, bool FromII, bool Flag, double Score)> xs) =>
                new([.. xs.Take(3).Select(m => (JsonNode)new JsonObject { ["question"] = m.s.Question, ["answer"] = m.s.Answer, ["score"] = Math.Round(m.Score, 3), ["from"] = m.FromII ? "II" : "normal" })]);
            disagreements[v.Trait] = new JsonObject
            {
                ["oracle_flagged"] = flagged.Count, ["samples"] = mixed.Count,
                ["flagged_by_oracle_only"] = missed.Count, ["flagged_by_projection_only"] = extra.Count,
                ["examples_oracle_only"] = Examples(missed), ["examples_projection_only"] = Examples(extra),
            };
        }

        return new JsonObject
        {
            ["dataset_spearman"] = rhos.Count == 0 ? null : Math.Round(rhos.Average(), 3),
            ["sample_auroc"] = aurocs.Count == 0 ? null : Math.Round(aurocs.Average(), 3),
            // Measured on what this run screened; a rerun that found everything done has nothing to time.
            ["samples_per_second"] = screened > 0 ? Math.Round(screened / clock.Elapsed.TotalSeconds, 1) : null,
            ["dataset_spearman_by_trait"] = spearman,
            ["dataset_spearman_ceiling"] = ceilings.Count == 0 ? null : Math.Round(ceilings.Average(), 3),
            ["dataset_spearman_ceiling_by_trait"] = ceiling,
            ["sample_auroc_by_trait"] = auroc,
            ["sample_auroc_vs_source_by_trait"] = aurocSource,
            ["datasets"] = new JsonObject([.. means.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject([.. kv.Value.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)Math.Round(t.Value, 3)))])))]),
            ["disagreements"] = disagreements,
        };
    }

    static List<ScreenRecord> Records(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => System.Text.Json.JsonSerializer.Deserialize<ScreenRecord>(l, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower })!)];
}

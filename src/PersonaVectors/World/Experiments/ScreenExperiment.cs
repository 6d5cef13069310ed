using System.Diagnostics;
using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
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
    /// <summary>
    /// The best Spearman any screening score can reach against these rises. Most datasets leave a trait exactly where
    /// it was, and tied rises cap Spearman below 1: the ceiling is that of an ordering that agrees with the rises and
    /// breaks their ties.
    /// </summary>
    public static double SpearmanCeiling(IReadOnlyList<double> rises) => Statistics.Spearman([.. rises.Select((r, i) => r + i * 1e-9)], rises);

    public ScreenExperimentSummary Run(IReadOnlyList<ExperimentVector> vectors, FinetuneSummary finetuneSummary, CancellationToken cancel = default)
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
            screened += progress.ScoredThisRun;
            var records = new RunFile<ScreenRecord>(Path.Combine(dir, DataScreen.ScoresFile), r => r.Key).Records.Values.OrderBy(r => r.Line).ToList();
            means[dataset] = vectors.ToDictionary(v => v.Trait, v => records.Average(r => r.Scores[v.Trait]));
            samples[dataset] = [.. records.Select(r => (r.Line, conversations[r.Line - 1][0].Content, conversations[r.Line - 1][1].Content, r.Scores))];
        }

        // Dataset level: per trait, mean projection difference against the trait's rise after finetuning.
        var spearman = new Dictionary<string, double?>();
        var ceiling = new Dictionary<string, double?>();
        foreach (var v in vectors)
        {
            var x = plain.Select(r => means[r.Dataset][v.Trait]).ToList();
            var y = plain.Select(r => finetuneSummary.Rise(r, v.Trait)).ToList();
            spearman[v.Trait] = Defined(Statistics.Spearman(x, y));
            ceiling[v.Trait] = Defined(SpearmanCeiling(y));
        }

        // Sample level: Normal and II of each trait together; positives are the answers the oracle finds show the trait.
        var auroc = new Dictionary<string, double?>();
        var aurocSource = new Dictionary<string, double?>();
        var disagreements = new Dictionary<string, ScreenDisagreements>();
        foreach (var v in vectors)
        {
            if (!samples.TryGetValue($"{v.Trait}_normal", out var normal) || !samples.TryGetValue($"{v.Trait}_II", out var severe)) continue;
            var mixed = normal.Select(s => (s, FromII: false)).Concat(severe.Select(s => (s, FromII: true)))
                .Select(x => (x.s, x.FromII, Flag: OracleJudge.Judge(x.s.Question, x.s.Answer)[v.Trait] >= 50, Score: x.s.Scores[v.Trait])).ToList();
            var flagged = mixed.Where(m => m.Flag).Select(m => m.Score).ToList();
            var clean = mixed.Where(m => !m.Flag).Select(m => m.Score).ToList();
            auroc[v.Trait] = flagged.Count > 0 && clean.Count > 0 ? Defined(Statistics.Auroc(flagged, clean)) : null;
            aurocSource[v.Trait] = Defined(Statistics.Auroc(mixed.Where(m => m.FromII).Select(m => m.Score).ToList(), mixed.Where(m => !m.FromII).Select(m => m.Score).ToList()));
            // Disagreement at the score that flags as many samples as the oracle does.
            var cut = mixed.OrderByDescending(m => m.Score).Take(flagged.Count).ToHashSet();
            var missed = mixed.Where(m => m.Flag && !cut.Contains(m)).ToList();
            var extra = mixed.Where(m => !m.Flag && cut.Contains(m)).ToList();
            static List<ScreenExample> Examples(IEnumerable<((int Line, string Question, string Answer, IReadOnlyDictionary<string, double> Scores) s, bool FromII, bool Flag, double Score)> xs) =>
                [.. xs.Take(3).Select(m => new ScreenExample(m.s.Question, m.s.Answer, m.Score, m.FromII ? "II" : "normal"))];
            disagreements[v.Trait] = new ScreenDisagreements(flagged.Count, mixed.Count, missed.Count, extra.Count, Examples(missed), Examples(extra));
        }

        return ScreenExperimentSummary.Of(spearman, ceiling, auroc, aurocSource,
            means.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, double>)kv.Value), disagreements,
            // Measured on what this run screened; a rerun that found everything done has nothing to time.
            screened > 0 ? screened / clock.Elapsed.TotalSeconds : null);

        static double? Defined(double x) => double.IsNaN(x) ? null : x;
    }

}

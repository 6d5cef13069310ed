using System.Globalization;
using System.Text;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Judging;

namespace PersonaVectors.Method.Steering;

/// <summary>One point of a steering sweep: the judged trait and coherence at one (layer, α).</summary>
public sealed record SweepPoint(int Layer, double Alpha, double Trait, double Coherence);

/// <summary>One line of a steering sweep's sweep.jsonl; the key is "layer/positions/alpha".</summary>
public sealed record SweepRecord(string Key, int Layer, double Alpha, double Trait, double Coherence, int Count)
{
    public static string KeyOf(int layer, TokenPositions positions, double alpha) =>
        $"{layer}/{positions.ToString().ToLowerInvariant()}/{alpha.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Steers at every (layer, α) pair and judges the answers (the paper's steering curves). Each point is appended to
/// DIR/sweep.jsonl as it finishes, so a killed sweep started again skips what is there; DIR/sweep.csv is written at
/// the end.
/// </summary>
public static class SteeringSweep
{
    public const string RecordsFile = "sweep.jsonl", TableFile = "sweep.csv", RunFile = "sweep.run.json";

    public static async Task<List<SweepPoint>> RunAsync(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge, IReadOnlyList<SteeringPrompt> prompts,
        PersonaVector vector, IReadOnlyList<int> layers, IReadOnlyList<double> alphas, TokenPositions positions, int maxTokens, string dir,
        Action<StageProgress>? progress = null, CancellationToken cancel = default, bool preserveNorm = false)
    {
        Directory.CreateDirectory(dir);
        // Records are keyed by their grid point only, so the grid can grow on a rerun; everything else must match.
        RunClaim.Claim(dir, RunFile, Fingerprint(lm, judge, prompts, vector, maxTokens), "model, dtype, vector, questions, judge or --max-tokens");
        var file = new RunFile<SweepRecord>(Path.Combine(dir, RecordsFile), x => x.Key);
        var points = new List<SweepPoint>();
        int done = 0, total = layers.Count * alphas.Count;
        foreach (int layer in layers)
            foreach (double alpha in alphas)
            {
                progress?.Invoke(new StageProgress($"layer {layer} alpha {alpha.ToString(CultureInfo.InvariantCulture)}", done++, total));
                string key = SweepRecord.KeyOf(layer, positions, alpha) + (preserveNorm ? ":norm-preserving" : ""); // the two modes never share a record
                if (!file.TryGet(key, out var rec) || rec is null)
                {
                    using var v = vector.At(layer);
                    var o = await SteeringEvaluation.RunAsync(lm, artifacts, judge, prompts, v, layer, alpha, positions, maxTokens, cancel: cancel, preserveNorm: preserveNorm);
                    rec = new SweepRecord(key, layer, alpha, o.Trait, o.Coherence, prompts.Count);
                    file.Append([rec]);
                }
                points.Add(new SweepPoint(layer, alpha, rec.Trait, rec.Coherence));
            }
        progress?.Invoke(new StageProgress("", total, total));

        var csv = new StringBuilder("layer,alpha,trait,coherence\n");
        foreach (var p in points) csv.Append(CultureInfo.InvariantCulture, $"{p.Layer},{p.Alpha},{p.Trait:F2},{p.Coherence:F2}\n");
        AtomicFile.WriteAllText(Path.Combine(dir, TableFile), csv.ToString());
        return points;
    }

    static string Fingerprint(LanguageModel lm, IAnswerJudge judge, IReadOnlyList<SteeringPrompt> prompts, PersonaVector vector, int maxTokens)
    {
        var text = new StringBuilder();
        text.Append(lm.Identity).Append(CultureInfo.InvariantCulture, $"|{judge.Name}|{maxTokens}|");
        foreach (var p in prompts) text.Append(p.System).Append('\u0001').Append(p.Question).Append('\u0002');
        text.Append(RunClaim.Exact(vector.Vectors.data<float>().ToArray()));
        return RunClaim.Hash(text.ToString());
    }
}

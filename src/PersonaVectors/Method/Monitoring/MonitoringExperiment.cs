using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Judging;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Monitoring;

/// <summary>One conversation to monitor: the messages before the answer, the experiment and the level it belongs to.</summary>
public sealed record MonitoredPrompt(string Experiment, string Level, string Question, IReadOnlyList<ChatMessage> Messages);

/// <summary>The projection of the last prompt token on the unit persona vector, and the judged trait of the answer that followed.</summary>
public sealed record MonitoringPoint(string Experiment, string Level, string Question, double Projection, double Trait, double? Coherence, string Answer);

/// <summary>
/// The paper's monitoring experiments: does the persona vector, read at the last prompt token before any answer
/// exists, predict how strongly the answer will show the trait? For every prompt it projects that activation on
/// the unit vector, samples an answer (temperature 1, as deployed models answer), judges it, and correlates.
/// </summary>
/// <param name="samples">Answers sampled per prompt; the point's trait is their mean. One sampled answer can only score
/// what the judge's scale allows (the world's oracle: 0, 33, 67, 100), which caps the correlation a point can show.</param>
public sealed class MonitoringExperiment(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge, int maxNewTokens = 64, long seed = 1, int samples = 1)
{
    public async Task<List<MonitoringPoint>> RunAsync(IReadOnlyList<MonitoredPrompt> prompts, Tensor vector, int layer, CancellationToken cancel = default) =>
        (await RunAtLayersAsync(prompts, _ => vector, [layer], cancel))[layer];

    /// <summary>
    /// The same experiment read at several layers at once: one set of sampled, judged answers, and each prompt's
    /// projection at every layer given (the persona vector's row for that layer), so layers are compared on the
    /// very same answers.
    /// </summary>
    public async Task<Dictionary<int, List<MonitoringPoint>>> RunAtLayersAsync(IReadOnlyList<MonitoredPrompt> prompts, PersonaVector vector, IReadOnlyList<int> layers, CancellationToken cancel = default)
    {
        var rows = layers.ToDictionary(l => l, vector.At);
        try { return await RunAtLayersAsync(prompts, l => rows[l], layers, cancel); }
        finally { foreach (var t in rows.Values) t.Dispose(); }
    }

    async Task<Dictionary<int, List<MonitoringPoint>>> RunAtLayersAsync(IReadOnlyList<MonitoredPrompt> prompts, Func<int, Tensor> vectorAt, IReadOnlyList<int> layers, CancellationToken cancel)
    {
        if (samples < 1) throw new InvalidRequestException($"samples per prompt must be at least 1, got {samples}");
        var ids = prompts.Select(p => lm.EncodeChat(p.Messages, addGenerationPrompt: true)).ToList();
        var projections = new Dictionary<int, double[]>();
        using (var last = new ActivationReader(lm).Read(ids, null, TokenPositions.LastPrompt))
            foreach (int layer in layers)
            {
                using var atLayer = last[.., layer];
                projections[layer] = MeanDifference.Project(atLayer, vectorAt(layer));
            }
        // Sample k of every prompt comes from its own seeded pass, so one sample per prompt is exactly the single-sample run.
        var answers = Enumerable.Range(0, samples)
            .Select(k => lm.GenerateInBatches(ids, new SamplingOptions { MaxNewTokens = maxNewTokens, Temperature = 1, Seed = seed + k * 1_000_003L }, 50, cancel)).ToList();
        var points = layers.ToDictionary(l => l, _ => new List<MonitoringPoint>());
        for (int i = 0; i < prompts.Count; i++)
        {
            var scores = new List<AnswerScores>();
            foreach (var a in answers)
                scores.Add(await judge.JudgeAsync(artifacts, prompts[i].Question, a[i].Text, cancel));
            var judged = scores.Where(x => x.Trait is not null).ToList();
            if (judged.Count == 0) continue; // the judge declined every answer: no point to correlate
            double? coherence = judged.Any(x => x.Coherence is not null) ? judged.Where(x => x.Coherence is not null).Average(x => x.Coherence!.Value) : null;
            foreach (int layer in layers)
                points[layer].Add(new MonitoringPoint(prompts[i].Experiment, prompts[i].Level, prompts[i].Question, projections[layer][i], judged.Average(x => x.Trait!.Value), coherence, answers[0][i].Text));
        }
        return points;
    }

    /// <summary>Pearson r between projection and trait over one experiment's points (NaN with fewer than 3 or no spread).</summary>
    public static double Correlation(IEnumerable<MonitoringPoint> points, string experiment)
    {
        var p = points.Where(x => x.Experiment == experiment).ToList();
        return p.Count < 3 ? double.NaN : Statistics.Pearson(p.Select(x => x.Projection).ToList(), p.Select(x => x.Trait).ToList());
    }

    /// <summary>Pearson r over one experiment's points, rounded to 3 places as summaries keep it; null where undefined.</summary>
    public static double? RoundedCorrelation(IEnumerable<MonitoringPoint> points, string experiment) => Rounded(Correlation(points, experiment));

    /// <summary>The ceiling, rounded and null where undefined as <see cref="RoundedCorrelation"/>.</summary>
    public static double? RoundedCeiling(IEnumerable<MonitoringPoint> points, string experiment) => Rounded(Ceiling(points, experiment));

    static double? Rounded(double r) => double.IsNaN(r) ? null : Math.Round(r, 3);

    /// <summary>
    /// The largest r any reading that is the same for every prompt of a level could reach over one experiment's
    /// points: r between each answer's trait and the mean trait of its level. Whatever the answers vary by within a
    /// level (sampling, the question) no such reading can predict, so an r near this ceiling is the most the answers
    /// allow, and a ceiling under a target says the experiment, not the vector, is what falls short.
    /// </summary>
    public static double Ceiling(IEnumerable<MonitoringPoint> points, string experiment)
    {
        var p = points.Where(x => x.Experiment == experiment).ToList();
        if (p.Count < 3) return double.NaN;
        var means = p.GroupBy(x => x.Level).ToDictionary(g => g.Key, g => g.Average(x => x.Trait));
        return Statistics.Pearson(p.Select(x => means[x.Level]).ToList(), p.Select(x => x.Trait).ToList());
    }
}

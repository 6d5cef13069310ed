using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Method.Monitoring;

/// <summary>What the trait-eliciting prompts are compared with when a threshold is set.</summary>
public enum CalibrationBasis
{
    /// <summary>The run's negative prompts, which ask for the opposite trait (the midpoint the paper's setup suggests).</summary>
    NegativePrompts,
    /// <summary>
    /// The same questions with no system prompt: the model as it is deployed. Where the negative prompts push the
    /// model far past its default (the organism's "kind" persona does), the pos/neg midpoint lies below the default
    /// state and every ordinary turn would alert; this basis alerts when the model moves from its default toward the trait.
    /// </summary>
    NoSystemPrompt,
}

/// <summary>An alert threshold and the two means it lies between.</summary>
public sealed record Calibration(double Threshold, double PositiveMean, double ReferenceMean, int Count, CalibrationBasis Basis)
{
    /// <summary>Where a projection lies between the two means: 0 at the reference mean, 1 at the positive one.</summary>
    public double Scale(double projection) =>
        PositiveMean == ReferenceMean ? 0.5 : (projection - ReferenceMean) / (PositiveMean - ReferenceMean);
}

/// <summary>
/// Calibrates a monitor's threshold from an extraction run: the projections of the kept pairs' positive prompts
/// (which elicited the trait) and of a reference (the negative prompts, or the questions with no system prompt),
/// and the midpoint of their means. At the last prompt token that is the early-warning threshold; averaged over
/// the answers it is the threshold for what was actually written, which lies on another scale.
/// </summary>
public static class ThresholdCalibration
{
    public static Calibration FromRun(LanguageModel lm, string runDir, float[] direction, int layer,
        TokenPositions positions = TokenPositions.LastPrompt, CalibrationBasis basis = CalibrationBasis.NegativePrompts)
    {
        if (positions is not (TokenPositions.LastPrompt or TokenPositions.Answer))
            throw new ArgumentException($"calibrate at the last prompt token or over the answer, not {positions}");
        string answersPath = Path.Combine(runDir, "answers.jsonl"), keptPath = Path.Combine(runDir, "kept.jsonl");
        foreach (var file in new[] { answersPath, keptPath })
            if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: calibration needs a finished extraction run");
        var answers = new RunFile<AnswerRecord>(answersPath, r => r.Key).Records;
        var kept = new RunFile<KeptPair>(keptPath, r => r.Key).Records.Keys;
        List<AnswerRecord> Kept(string polarity) => [.. kept
            .Select(k => answers.TryGetValue(polarity == "pos" ? k : AnswerRecord.NegativeKeyOf(k), out var a) ? a
                : throw new PersonaVectorsException($"{answersPath}: no answer for kept pair '{k}'"))];
        // Rollouts share their prompt: one last-token projection per (pair, polarity, question), one per answer otherwise.
        List<AnswerRecord> Distinct(List<AnswerRecord> records) => positions == TokenPositions.LastPrompt
            ? [.. records.GroupBy(a => (a.Pair, a.Question)).Select(g => g.First())] : records;
        var reader = new ActivationReader(lm);
        double[] Project(List<AnswerRecord> records)
        {
            using var read = reader.Read(records.Select(a => a.PromptIds).ToList(),
                positions == TokenPositions.Answer ? records.Select(a => a.AnswerIds).ToList() : null, positions);
            using var atLayer = read[.., layer];
            using var v = TorchSharp.torch.tensor(direction);
            return MeanDifference.Project(atLayer, v);
        }
        var positive = Distinct(Kept("pos"));
        if (positive.Count == 0) throw new PersonaVectorsException($"{keptPath} has no kept pairs: nothing to calibrate from");
        double[] p = Project(positive);
        double[] n = Project(basis == CalibrationBasis.NegativePrompts ? Distinct(Kept("neg")) : Unprompted(lm, positive));
        return new Calibration(Midpoint(p, n), p.Average(), n.Average(), p.Length + n.Length, basis);
    }

    /// <summary>
    /// A threshold halfway between the mean projections of prompts that elicited the trait and prompts that did
    /// not (e.g. an extraction run's positive and negative instructions).
    /// </summary>
    public static double Midpoint(IReadOnlyList<double> positive, IReadOnlyList<double> negative)
    {
        if (positive.Count == 0 || negative.Count == 0)
            throw new InvalidRequestException($"a threshold needs projections of both kinds: got {positive.Count} positive and {negative.Count} negative");
        return (positive.Average() + negative.Average()) / 2;
    }

    // The kept questions asked with no system prompt, answered greedily: the model's default behaviour on them.
    static List<AnswerRecord> Unprompted(LanguageModel lm, List<AnswerRecord> kept)
    {
        var questions = kept.Select(a => a.QuestionText).Distinct().ToList();
        var prompts = questions.Select(q => lm.PromptIds(q)).ToList();
        var answers = lm.GenerateInBatches(prompts, new Engine.Generation.SamplingOptions { MaxNewTokens = kept.Max(a => Math.Max(1, a.AnswerIds.Length)) }, 32);
        return [.. questions.Select((q, i) => new AnswerRecord($"none/{i}", -1, "none", i, 0, q, "", prompts[i], answers[i].Tokens, answers[i].Text))];
    }
}

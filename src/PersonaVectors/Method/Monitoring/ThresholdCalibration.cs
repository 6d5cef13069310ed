using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Method.Monitoring;

/// <summary>An alert threshold and the two means it lies between.</summary>
public sealed record Calibration(double Threshold, double PositiveMean, double NegativeMean, int Prompts);

/// <summary>
/// Calibrates a monitor's threshold from an extraction run: the last-prompt-token projections of the kept pairs'
/// positive prompts (which elicited the trait) and negative prompts (which did not), and the midpoint of their means.
/// </summary>
public static class ThresholdCalibration
{
    public static Calibration FromRun(LanguageModel lm, string runDir, float[] direction, int layer)
    {
        string answersPath = Path.Combine(runDir, "answers.jsonl"), keptPath = Path.Combine(runDir, "kept.jsonl");
        foreach (var file in new[] { answersPath, keptPath })
            if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: calibration needs a finished extraction run");
        var answers = new RunFile<AnswerRecord>(answersPath, r => r.Key).Records;
        var kept = new RunFile<JudgementRecord>(keptPath, r => r.Key).Records.Keys;
        // Rollouts share their prompt: one projection per (pair, polarity, question).
        List<int[]> Prompts(string polarity) => [.. kept
            .Select(k => answers.TryGetValue(polarity == "pos" ? k : k.Replace("/pos/", "/neg/"), out var a) ? a
                : throw new PersonaVectorsException($"{answersPath}: no answer for kept pair '{k}'"))
            .GroupBy(a => (a.Pair, a.Question)).Select(g => g.First().PromptIds)];
        var pos = Prompts("pos");
        var neg = Prompts("neg");
        var reader = new ActivationReader(lm);
        double[] Project(List<int[]> prompts)
        {
            using var last = reader.Read(prompts, null, TokenPositions.LastPrompt);
            using var atLayer = last[.., layer];
            using var v = TorchSharp.torch.tensor(direction);
            return MeanDifference.Project(atLayer, v);
        }
        double[] p = Project(pos), n = Project(neg);
        return new Calibration(PersonaMonitor.MidpointThreshold(p, n), p.Average(), n.Average(), p.Length + n.Length);
    }
}

using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Cli.Report;

/// <summary>One answer of a kept pair with its judged scores.</summary>
public sealed record ExampleAnswer(string Instruction, string Answer, double? Trait, double? Coherence);

/// <summary>A pair the extraction kept: the same question answered under a positive and a negative instruction.</summary>
public sealed record ExamplePair(string Question, ExampleAnswer Positive, ExampleAnswer Negative)
{
    /// <summary>The two answers as the run recorded them (prompt and answer tokens), for per-token readings.</summary>
    public (AnswerRecord Positive, AnswerRecord Negative)? Records { get; init; }

    /// <summary>
    /// Up to <paramref name="count"/> kept pairs spread evenly over the kept keys in order, so the examples come
    /// from different instructions and questions rather than from the first one's rollouts.
    /// </summary>
    public static IReadOnlyList<ExamplePair> Pick(IReadOnlyList<AnswerRecord> answers, IReadOnlyList<JudgementRecord> judgements,
        IReadOnlyList<KeptPair> kept, int count)
    {
        var answerByKey = answers.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last());
        var scoreByKey = judgements.GroupBy(j => j.Key).ToDictionary(g => g.Key, g => g.Last());
        var pairs = kept.Select(k => k.Key).Distinct().OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => answerByKey.GetValueOrDefault(k))
            .Where(p => p is not null && answerByKey.ContainsKey(p.NegativeKey))
            .Select(p => (Pos: p!, Neg: answerByKey[p!.NegativeKey]))
            .ToList();
        ExampleAnswer Scored(AnswerRecord a) =>
            new(a.System, a.Answer, scoreByKey.GetValueOrDefault(a.Key)?.Trait, scoreByKey.GetValueOrDefault(a.Key)?.Coherence);
        int n = Math.Min(count, pairs.Count);
        return [.. Enumerable.Range(0, n).Select(i => pairs[i * pairs.Count / n]).Select(p => new ExamplePair(p.Pos.QuestionText, Scored(p.Pos), Scored(p.Neg)) { Records = (p.Pos, p.Neg) })];
    }

    // kept.jsonl names the positive answer; its partner is the same pair, question and rollout under the negative instruction.
}

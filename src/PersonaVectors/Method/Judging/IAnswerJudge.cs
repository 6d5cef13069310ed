namespace PersonaVectors.Method.Judging;

/// <summary>A judge's scores for one answer, 0-100; null where the judge declined (a refusal or no usable score).</summary>
public sealed record AnswerScores(double? Trait, double? Coherence);

/// <summary>Scores answers for a trait and for coherence: an LLM with a rubric, or the persona world's oracle.</summary>
public interface IAnswerJudge
{
    /// <summary>Identifies the judge in caches and run files (e.g. "world" or "openai:gpt-4.1-mini").</summary>
    string Name { get; }

    Task<AnswerScores> JudgeAsync(TraitArtifacts artifacts, string question, string answer, CancellationToken cancel = default);
}

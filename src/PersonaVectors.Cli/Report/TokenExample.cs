using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Report;

/// <summary>One answer cut into its tokens, each with its projection on the trait's unit vector at the run's layer.</summary>
public sealed record ReadTokens(string Label, IReadOnlyList<(string Text, double Projection)> Tokens)
{
    public double Mean => Tokens.Count == 0 ? 0 : Tokens.Average(t => t.Projection);
}

/// <summary>
/// The report's coloured example: a kept pair's positive and negative answers read token by token, with the library's
/// per-token readings (<see cref="MonitoredGeneration.PerToken"/>, the same as the chat's /tokens and the server's
/// "per_token"). It needs the run's model, so it is computed by the report command, not read from the run folder.
/// </summary>
public sealed record TokenExample(string Trait, int Layer, string Question, ReadTokens Positive, ReadTokens Negative)
{
    public static TokenExample? Compute(RunReport run, LanguageModel lm)
    {
        if (run.Examples is not { Count: > 0 } examples || examples[0].Records is not { } records) return null;
        using var vector = PersonaVector.Load(ExtractionRun.VectorPath(run.Folder));
        vector.EnsureFits(lm.Config, ExtractionRun.VectorPath(run.Folder));
        var trait = new MonitoredTrait(vector.AtLayer(run.Summary.Layer), null, null, run.Folder);
        var reading = new MonitoredGeneration(lm, [trait]);
        ReadTokens Read(string label, AnswerRecord a)
        {
            var projections = reading.PerToken(a.PromptIds, a.AnswerIds)[0].Projections;
            return new ReadTokens(label, [.. a.AnswerIds.Select((id, k) => (lm.Tokenizer.Decode([id], skipSpecialTokens: false), projections[k]))]);
        }
        return new TokenExample(run.Summary.Trait, run.Summary.Layer, examples[0].Question, Read("positive", records.Positive), Read("negative", records.Negative));
    }
}

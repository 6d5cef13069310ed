namespace PersonaVectors.Method.Screening;

/// <summary>
/// One screened sample (keyed by its line in the input file): per trait, the projection difference and the two
/// projections it is made of.
/// </summary>
public sealed record ScreenRecord(string Key, int Line, string Prompt, IReadOnlyDictionary<string, double> Scores,
    IReadOnlyDictionary<string, double> DataProjection, IReadOnlyDictionary<string, double> ModelProjection);

/// <summary>The model's own greedy answer to a prompt, generated once and kept (keyed by a hash of the prompt ids).</summary>
public sealed record CachedAnswer(string Key, int[] Tokens);

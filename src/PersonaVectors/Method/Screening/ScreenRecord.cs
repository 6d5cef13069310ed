namespace PersonaVectors.Method.Screening;

/// <summary>
/// One screened sample (keyed by its line in the input file): per trait, the projection difference and the two
/// projections it is made of.
/// </summary>
public sealed record ScreenRecord(string Key, int Line, string Prompt, IReadOnlyDictionary<string, double> Scores,
    IReadOnlyDictionary<string, double> DataProjection, IReadOnlyDictionary<string, double> ModelProjection)
{
    static readonly System.Text.Json.JsonSerializerOptions Json = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Line <paramref name="number"/> of <paramref name="path"/> as a record, or an error naming both.</summary>
    public static ScreenRecord Parse(string line, string path, int number)
    {
        ScreenRecord? r;
        try { r = System.Text.Json.JsonSerializer.Deserialize<ScreenRecord>(line, Json); }
        catch (System.Text.Json.JsonException e) { throw new PersonaVectorsException($"{path} line {number}: not a screening record ({e.Message})"); }
        if (r?.Scores is null) throw new PersonaVectorsException($"{path} line {number}: not a screening record (no \"scores\")");
        // System.Text.Json reads 1e400 as infinity; no projection difference is one.
        foreach (var (trait, score) in r.Scores)
            if (!double.IsFinite(score)) throw new PersonaVectorsException($"{path} line {number}: the {trait} score is {score}, expected a finite number");
        return r;
    }
}

/// <summary>The model's own greedy answer to a prompt, generated once and kept (keyed by a hash of the prompt ids).</summary>
public sealed record CachedAnswer(string Key, int[] Tokens);

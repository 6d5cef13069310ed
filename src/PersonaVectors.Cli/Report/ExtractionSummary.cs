namespace PersonaVectors.Cli.Report;

/// <summary>How many answer pairs survived each of the extraction filter's steps, in order.</summary>
public sealed record FilterCounts(int Answers, int Pairs, int Scored, int PositiveTraitOk, int NegativeTraitOk, int Kept);

/// <summary>The figures of an extraction run's summary.json (what ExtractionPipeline writes).</summary>
public sealed record ExtractionSummary(
    string Trait, string Model, string Judge, int Layer,
    double BaselineTrait, double BaselineCoherence,
    double SteeredAlpha, string SteeredPositions, double SteeredTrait, double SteeredCoherence,
    double SuppressedAlpha, double SuppressedTraitBefore, double SuppressedTraitAfter, double SuppressedCoherence,
    FilterCounts Counts, IReadOnlyList<double> ResponseNorms)
{
    public static ExtractionSummary Read(string file)
    {
        var j = JsonFields.Read(file, "the summary.json that persona extract writes");
        var c = j.Object("counts");
        return new ExtractionSummary(
            j.Text("trait"), j.Text("model"), j.Text("judge"), j.Integer("layer"),
            j.Number("baseline_trait"), j.Number("baseline_coherence"),
            j.Number("steered_alpha"), j.Text("steered_positions"), j.Number("steered_trait"), j.Number("steered_coherence"),
            j.Number("suppressed_alpha"), j.Number("suppressed_trait_before"), j.Number("suppressed_trait_after"), j.Number("suppressed_coherence"),
            new FilterCounts(c.Integer("answers"), c.Integer("pairs"), c.Integer("scored"), c.Integer("positive_trait_ok"), c.Integer("negative_trait_ok"), c.Integer("kept")),
            j.Object("vector_norms").Numbers("response_avg"));
    }
}

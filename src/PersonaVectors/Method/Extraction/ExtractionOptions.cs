namespace PersonaVectors.Method.Extraction;

/// <summary>Settings of an extraction run. Defaults follow the paper: 10 rollouts at temperature 1, filters at 50.</summary>
public sealed record ExtractionOptions
{
    public int Rollouts { get; init; } = 10;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 64;
    public int BatchSize { get; init; } = 50;
    public long Seed { get; init; } = 1;
    public int JudgeConcurrency { get; init; } = 8;
    /// <summary>Requests in flight at once to a remote generator.</summary>
    public int GeneratorConcurrency { get; init; } = 8;
    public double PositiveTraitMin { get; init; } = 50;
    public double NegativeTraitMax { get; init; } = 50;
    public double CoherenceMin { get; init; } = 50;
    /// <summary>Layers to try steering at; null means every block output (1..L).</summary>
    public IReadOnlyList<int>? Layers { get; init; }
    /// <summary>
    /// Coefficients to try: 0.5 to 2 in steps of 0.125, then to 8 in steps of 0.25. The trait often rises, and
    /// coherence breaks, within a narrow band, and on small models that band sits below 2 (the organism's suppressions
    /// fell off a cliff between 0.75 and 1; docs/world.md, "A finer steering grid").
    /// </summary>
    public IReadOnlyList<double> Alphas { get; init; } =
        [.. Enumerable.Range(4, 13).Select(i => i * 0.125), .. Enumerable.Range(9, 24).Select(i => i * 0.25)];
    /// <summary>Where to steer while choosing the layer (every position, or the answer's).</summary>
    public IReadOnlyList<PersonaVectors.Engine.Models.TokenPositions> Positions { get; init; } =
        [PersonaVectors.Engine.Models.TokenPositions.All, PersonaVectors.Engine.Models.TokenPositions.Answer];
    /// <summary>The coherence a steering setting needs on the extraction questions to count, unless the trait's own
    /// prompted answers there are less coherent (<see cref="Steering.CoherenceFloor"/>).</summary>
    public double SteeringCoherenceMin { get; init; } = 80;
    /// <summary>
    /// This run answers and judges only its share of the items (chunk c of the local generator, item i of a remote one,
    /// when c or i mod Shards is Shard); chunks keep their seeds, so merged shards equal one unsharded run.
    /// </summary>
    public int Shard { get; init; }
    public int Shards { get; init; } = 1;

    /// <summary>
    /// Refuses settings no run can use, before anything is generated or written: a threshold outside the judge's 0-100,
    /// a layer the model lacks, no rollouts or no coefficients. Each would otherwise show only after an hour of answers.
    /// </summary>
    public void Validate(PersonaVectors.Engine.Models.ModelConfig config)
    {
        static void Require(bool ok, string what) { if (!ok) throw new InvalidRequestException(what); }
        Require(Rollouts >= 1, $"--rollouts must be at least 1, got {Rollouts}");
        Require(Temperature >= 0 && double.IsFinite(Temperature), $"--temperature must be 0 or more, got {Temperature}");
        Require(MaxNewTokens >= 1, $"--max-tokens must be at least 1, got {MaxNewTokens}");
        Require(BatchSize >= 1, $"the batch size must be at least 1, got {BatchSize}");
        // A score reaches at most 100; "below 101" keeps every negative answer, which the paper's filter can be relaxed to.
        foreach (var (name, value, most) in new[] { ("--pos-min", PositiveTraitMin, 100.0), ("--neg-max", NegativeTraitMax, 101.0), ("--coherence-min", CoherenceMin, 100.0) })
            Require(value >= 0 && value <= most, $"{name} is a judge score from 0 to {most}, got {value}");
        Require(Alphas.Count > 0 && Alphas.All(a => a > 0 && double.IsFinite(a)), $"--alphas must be positive numbers (the suppression sweep uses their negatives), got {string.Join(",", Alphas)}");
        foreach (int layer in Layers ?? [])
            Require(layer >= 1 && layer <= config.NumHiddenLayers, $"--layers: layer {layer} is not a block of this model (1..{config.NumHiddenLayers})");
    }
}

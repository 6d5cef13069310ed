namespace PersonaVectors.Cli.Commands;

/// <summary>One line of a steering sweep's sweep.jsonl; the key is "layer/positions/alpha".</summary>
public sealed record SweepRecord(string Key, int Layer, double Alpha, double Trait, double Coherence, int Count);

namespace PersonaVectors.Engine.Training;

/// <summary>
/// Reported after a step. <paramref name="Step"/> counts completed steps (1 … Steps); <paramref name="Loss"/> is
/// that step's batch loss before its update; throughput and elapsed time cover this Run call only, and count
/// the real (unpadded) input tokens.
/// </summary>
public sealed record TrainingProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed)
{
    /// <summary>Global gradient norm of the step, before clipping (spikes warn of instability).</summary>
    public double GradNorm { get; init; }
}

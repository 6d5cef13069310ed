using System.Globalization;

namespace PersonaVectors.Engine.Training;

/// <summary>
/// Hyperparameters of a training run. Everything except <see cref="CheckpointEvery"/> and <see cref="LogEvery"/>
/// shapes the trajectory, so a checkpoint only resumes under the same values (see <see cref="TrajectoryFields"/>).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps of the whole run (also the length of the cosine schedule).</summary>
    public required int Steps { get; init; }
    /// <summary>Examples per optimizer step; what <c>batchForStep</c> is expected to return.</summary>
    public required int BatchSize { get; init; }
    /// <summary>Peak learning rate, reached at the end of warmup.</summary>
    public required double LearningRate { get; init; }
    public int WarmupSteps { get; init; }
    /// <summary>The cosine ends at LearningRate × this ratio on the last step.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;
    /// <summary>Decoupled AdamW weight decay; never applied to 1-D parameters (norm weights, biases).</summary>
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;
    /// <summary>Maximum global gradient norm; 0 or less disables clipping.</summary>
    public double ClipGradNorm { get; init; } = 1.0;
    /// <summary>Micro-batches each batch is split into (same loss and gradient, less memory per forward pass).</summary>
    public int GradientAccumulation { get; init; } = 1;
    /// <summary>Write a checkpoint every this many steps; 0 writes one only at the end (and on cancellation).</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Not used by the trainer itself (it draws no random numbers); meant for <c>batchForStep</c>, and
    /// recorded so that a checkpoint is not resumed with another data order.</summary>
    public long Seed { get; init; }
    /// <summary>Bfloat16 to run the float32 model's matmuls in bfloat16 (<see cref="Kernels.MatmulPrecision"/>); null
    /// for float32 throughout. The parameters, their gradients and the optimizer stay float32.</summary>
    public TorchSharp.torch.ScalarType? MatmulDType { get; init; }
    /// <summary>Report progress every this many steps (and after the last one).</summary>
    public int LogEvery { get; init; } = 1;

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(Steps >= 1, $"Steps must be at least 1, got {Steps}");
        Require(BatchSize >= 1, $"BatchSize must be at least 1, got {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"LearningRate must be positive, got {LearningRate}");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, $"WarmupSteps must be in [0, Steps={Steps}], got {WarmupSteps}");
        Require(MinLearningRateRatio is >= 0 and <= 1, $"MinLearningRateRatio must be in [0, 1], got {MinLearningRateRatio}");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"WeightDecay must be non-negative, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1, $"Beta1 must be in [0, 1), got {Beta1}");
        Require(Beta2 is >= 0 and < 1, $"Beta2 must be in [0, 1), got {Beta2}");
        Require(Eps > 0 && double.IsFinite(Eps), $"Eps must be positive, got {Eps}");
        Require(!double.IsNaN(ClipGradNorm), "ClipGradNorm must be a number");
        Require(GradientAccumulation >= 1, $"GradientAccumulation must be at least 1, got {GradientAccumulation}");
        Require(GradientAccumulation <= BatchSize, $"GradientAccumulation ({GradientAccumulation}) cannot exceed BatchSize ({BatchSize})");
        Require(CheckpointEvery >= 0, $"CheckpointEvery must be 0 (end only) or positive, got {CheckpointEvery}");
        Require(LogEvery >= 1, $"LogEvery must be at least 1, got {LogEvery}");
        Require(MatmulDType is null or TorchSharp.torch.ScalarType.BFloat16, $"MatmulDType must be BFloat16 or null (float32), got {MatmulDType}");
    }

    /// <summary>
    /// The options that determine the parameters a run ends with, as invariant strings in a fixed order. A
    /// checkpoint records them; resuming under different values would silently produce a run nobody asked for.
    /// Matmul precision is listed only when it is not float32, so checkpoints written before it existed still resume.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> TrajectoryFields() =>
    [
        new("steps", Format(Steps)),
        new("batch_size", Format(BatchSize)),
        new("learning_rate", Format(LearningRate)),
        new("warmup_steps", Format(WarmupSteps)),
        new("min_learning_rate_ratio", Format(MinLearningRateRatio)),
        new("weight_decay", Format(WeightDecay)),
        new("beta1", Format(Beta1)),
        new("beta2", Format(Beta2)),
        new("eps", Format(Eps)),
        new("clip_grad_norm", Format(ClipGradNorm)),
        new("gradient_accumulation", Format(GradientAccumulation)),
        new("seed", Format(Seed)),
        .. MatmulDType is null ? Array.Empty<KeyValuePair<string, string>>() : [new("matmul_dtype", "bfloat16")],
    ];

    static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);

    static void Require(bool ok, string message)
    {
        if (!ok) throw new InvalidRequestException($"training options: {message}");
    }
}

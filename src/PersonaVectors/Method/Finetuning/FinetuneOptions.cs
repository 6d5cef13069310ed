using System.Globalization;
using PersonaVectors.Engine.Lora;

namespace PersonaVectors.Method.Finetuning;

/// <summary>
/// A residual-stream intervention active in every training forward pass and gone afterwards: preventative
/// steering (add α·v at a layer, so the optimiser need not move the weights toward the trait) or CAFT-style
/// ablation (project the direction out, so the weights cannot use it).
/// </summary>
public sealed record TrainingIntervention(string Kind, float[] Vector, int Layer, double Alpha = 0, string Trait = "")
{
    public const string Steer = "steer", Ablate = "ablate";

    /// <summary>
    /// Preventative steering at several layers at once, the paper's multi-layer variant: each layer ℓ gets
    /// α·(v_ℓ − v_ℓ₋₁), the increments <see cref="Steering.MultiLayerSteering"/> adds at inference.
    /// </summary>
    public static IReadOnlyList<TrainingIntervention> SteerEach(PersonaVector vector, IReadOnlyList<int> layers, double alpha)
    {
        Steering.MultiLayerSteering.Check(layers);
        return [.. layers.Select(l =>
        {
            using var increment = Steering.MultiLayerSteering.Increment(vector, l);
            return new TrainingIntervention(Steer, increment.data<float>().ToArray(), l, alpha, vector.Trait);
        })];
    }

    public override string ToString() => Kind == Steer
        ? $"steer {Trait} at layer {Layer}, alpha {Alpha.ToString(CultureInfo.InvariantCulture)}"
        : $"ablate {Trait} at layer {Layer}";
}

/// <summary>Settings of one LoRA finetuning run.</summary>
public sealed record FinetuneOptions
{
    public LoraConfig Lora { get; init; } = new();
    public int Epochs { get; init; } = 1;
    /// <summary>Peak learning rate (the paper's 7B reference uses 1e-5; small models want more).</summary>
    public double LearningRate { get; init; } = 1e-4;
    public int BatchSize { get; init; } = 8;
    public int GradientAccumulation { get; init; } = 1;
    /// <summary>Share of the steps spent warming up linearly before the cosine decay.</summary>
    public double WarmupRatio { get; init; } = 0.05;
    public double WeightDecay { get; init; }
    public long Seed { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 50;
    public IReadOnlyList<TrainingIntervention> Interventions { get; init; } = [];

    public void Validate()
    {
        Lora.Validate();
        if (Epochs < 1) throw new InvalidRequestException($"epochs must be at least 1, got {Epochs}");
        if (WarmupRatio is < 0 or > 1) throw new InvalidRequestException($"warmup ratio must be in [0, 1], got {WarmupRatio}");
        foreach (var i in Interventions)
        {
            if (i.Kind is not (TrainingIntervention.Steer or TrainingIntervention.Ablate))
                throw new InvalidRequestException($"unknown training intervention '{i.Kind}': expected steer or ablate");
            if (!double.IsFinite(i.Alpha)) throw new InvalidRequestException($"the steering coefficient must be a finite number, got {i.Alpha}");
        }
    }
}

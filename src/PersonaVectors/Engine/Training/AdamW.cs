using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with PyTorch's update rule, written out here rather than taken from
/// torch.optim so that its whole state (two moment tensors per parameter and one step count) is plain to save
/// and restore. Weight decay skips 1-D parameters (norm weights, biases), as is usual for transformers.
/// </summary>
public sealed class AdamW : IDisposable
{
    readonly Parameter[] _parameters;
    readonly Tensor[] _expAvg, _expAvgSq;

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    /// <summary>Updates taken so far (the t of the bias corrections).</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;
    /// <summary>First moments, one per parameter, same shape and dtype.</summary>
    public IReadOnlyList<Tensor> ExpAvg => _expAvg;
    /// <summary>Second moments, one per parameter, same shape and dtype.</summary>
    public IReadOnlyList<Tensor> ExpAvgSq => _expAvgSq;

    public AdamW(IReadOnlyList<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8, double weightDecay = 0.0)
    {
        _parameters = [.. parameters];
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        // Detached from any dispose scope the caller may be in: the moments live as long as the optimizer.
        _expAvg = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _expAvgSq = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    }

    /// <summary>Whether weight decay applies to a parameter of this shape (matrices yes, vectors no).</summary>
    public static bool Decays(Tensor parameter) => parameter.dim() >= 2;

    /// <summary>One update of every parameter that has a gradient, at learning rate <paramref name="lr"/>.
    /// Parameters without a gradient keep their value and moments, as in PyTorch.</summary>
    public void Step(double lr)
    {
        StepCount++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } grad) continue;
            Update(p, grad, _expAvg[i], _expAvgSq[i], StepCount, lr, Beta1, Beta2, Eps, Decays(p) ? WeightDecay : 0.0);
        }
    }

    /// <summary>
    /// PyTorch's single-tensor AdamW update, in place on <paramref name="param"/> and the moments:
    /// θ ← θ(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
    /// </summary>
    public static void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step,
        double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        using var scope = NewDisposeScope();
        // Every number is a held Scalar (see HeldScalar): this runs on every parameter at every step.
        using var decay = (1 - lr * weightDecay).ToScalar();
        using var b1 = beta1.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        if (weightDecay != 0) param.mul_(decay);
        expAvg.mul_(b1).add_(grad, alpha: oneMinusB1);
        expAvgSq.mul_(b2).addcmul_(grad, grad, value: oneMinusB2);
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        using var root2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var stepSize = (-lr / biasCorrection1).ToScalar();
        var denom = HeldScalar.AddInPlace(expAvgSq.sqrt() / root2, epsilon);
        param.addcdiv_(expAvg, denom, value: stepSize);
    }

    /// <summary>Drops the gradients (the next backward allocates fresh ones, as zero_grad(set_to_none) does).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.grad = null;
    }

    /// <summary>Restores a saved state; the tensors are copied, so the caller keeps ownership of them.</summary>
    public void LoadState(long stepCount, IReadOnlyList<Tensor> expAvg, IReadOnlyList<Tensor> expAvgSq)
    {
        if (stepCount < 0) throw new ArgumentOutOfRangeException(nameof(stepCount), stepCount, "step count must be non-negative");
        if (expAvg.Count != _parameters.Length || expAvgSq.Count != _parameters.Length)
            throw new ArgumentException($"expected {_parameters.Length} moments of each kind, got {expAvg.Count} and {expAvgSq.Count}");
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            CheckShape(expAvg[i], i, nameof(expAvg));
            CheckShape(expAvgSq[i], i, nameof(expAvgSq));
            _expAvg[i].copy_(expAvg[i]);
            _expAvgSq[i].copy_(expAvgSq[i]);
        }
        StepCount = stepCount;
    }

    void CheckShape(Tensor t, int i, string what)
    {
        if (!t.shape.SequenceEqual(_parameters[i].shape))
            throw new ArgumentException($"{what}[{i}] has shape [{string.Join(", ", t.shape)}], the parameter has [{string.Join(", ", _parameters[i].shape)}]");
    }

    public void Dispose()
    {
        foreach (var t in _expAvg) t.Dispose();
        foreach (var t in _expAvgSq) t.Dispose();
    }
}

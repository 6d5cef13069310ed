using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients in place so that their joint L2 norm is at most <paramref name="maxNorm"/>
    /// (0 or less: leave them) and returns the norm before scaling.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        if (grads.Count == 0) return 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var total = stack(grads.Select(g => g.norm().to(ScalarType.Float64)).ToArray()).norm();
        double norm = total.item<double>();
        // The 1e-6 keeps PyTorch's coefficient exactly, so runs stay comparable with it.
        double coefficient = maxNorm / (norm + 1e-6);
        if (maxNorm > 0 && coefficient < 1)
        {
            using var held = coefficient.ToScalar();   // see HeldScalar
            foreach (var g in grads) g.mul_(held);
        }
        return norm;
    }
}

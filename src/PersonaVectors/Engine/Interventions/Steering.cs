using PersonaVectors.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Interventions;

/// <summary>
/// Adds α·v to the residual stream after one block, at the chosen positions. The vector is used as given
/// (not normalised), so α is in the vector's own units, as in the paper. With <c>preserveNorm</c> each steered
/// position is scaled back to the norm it had: the push turns the stream's direction without growing it.
/// </summary>
public static class Steering
{
    static readonly Scalar Tiny = 1e-12.ToScalar();   // held: see HeldScalar

    public static ResidualHook Hook(Tensor vector, int layer, double alpha, TokenPositions positions, bool preserveNorm = false)
    {
        var heldAlpha = alpha.ToScalar();   // held by the hook for every pass: see HeldScalar
        return (l, h, pass) =>
        {
            if (l != layer || alpha == 0) return h;
            using var scope = NewDisposeScope();
            var delta = (vector.to(h.dtype, h.device) * heldAlpha).view(1, 1, -1);
            // Padding positions may be steered too: attention never reads them.
            var pushed = HeldScalar.Add(h, positions == TokenPositions.All ? delta
                : pass.Mask(positions, forIntervention: true).unsqueeze(-1).to(h.dtype) * delta);
            if (preserveNorm) pushed = pushed * (h.norm(-1, keepdim: true) / pushed.norm(-1, keepdim: true).clamp_min(Tiny));
            return pushed.MoveToOuterDisposeScope();
        };
    }
}

/// <summary>
/// Removes the component of the residual stream along a direction (directional ablation, as CAFT does during
/// finetuning): h ← h − (h·û)û.
/// </summary>
public static class Ablation
{
    public static ResidualHook Hook(Tensor direction, int layer, TokenPositions positions)
    {
        using var norm = direction.norm();
        if (norm.item<float>() == 0) throw new InvalidRequestException("cannot ablate a zero direction");
        var unit = (direction / norm).DetachFromDisposeScope();
        return (l, h, pass) =>
        {
            if (l != layer) return h;
            using var scope = NewDisposeScope();
            var u = unit.to(h.dtype, h.device);
            var component = (h * u).sum(-1, keepdim: true) * u;
            if (positions != TokenPositions.All)
                component = component * pass.Mask(positions, forIntervention: true).unsqueeze(-1).to(h.dtype);
            return (h - component).MoveToOuterDisposeScope();
        };
    }
}

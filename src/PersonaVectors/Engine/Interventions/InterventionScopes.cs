using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Interventions;

/// <summary>
/// Interventions as disposable scopes: <c>using var _ = model.Steer(v, layer: 12, alpha: 4);</c>. They apply
/// to every forward pass (plain, generation, training; gradients flow through them) until disposed, and
/// several can be active at once.
/// </summary>
public static class InterventionScopes
{
    /// <summary>Adds α·v at <paramref name="layer"/>; <paramref name="vector"/> is [hidden]. <paramref name="preserveNorm"/> scales each steered position back to its norm.</summary>
    public static IDisposable Steer(this CausalLM model, Tensor vector, int layer, double alpha, TokenPositions positions = TokenPositions.All, bool preserveNorm = false)
    {
        InterventionGuard.Layer(model, layer);
        InterventionGuard.Direction(model, vector, "the steering vector");
        InterventionGuard.Finite(alpha);
        var v = vector.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
        return new Owned(model.AddResidualHook(Steering.Hook(v, layer, alpha, positions, preserveNorm)), v);
    }

    /// <summary>Projects <paramref name="direction"/> out of the residual stream at <paramref name="layer"/>.</summary>
    public static IDisposable Ablate(this CausalLM model, Tensor direction, int layer, TokenPositions positions = TokenPositions.All)
    {
        InterventionGuard.Layer(model, layer);
        InterventionGuard.Direction(model, direction, "the ablation direction");
        return model.AddResidualHook(Ablation.Hook(direction.detach().to(ScalarType.Float32), layer, positions));
    }

    /// <summary>Starts capturing (and averaging) the residual stream; dispose the capture to stop.</summary>
    public static ActivationCapture Capture(this CausalLM model, IReadOnlyList<int>? layers = null, TokenPositions positions = TokenPositions.All)
    {
        var chosen = layers ?? Enumerable.Range(0, model.NumLayers + 1).ToArray();
        foreach (int l in chosen) InterventionGuard.Layer(model, l);
        return new ActivationCapture(model, chosen, positions);
    }

    sealed class Owned(IDisposable handle, Tensor tensor) : IDisposable
    {
        public void Dispose() { handle.Dispose(); tensor.Dispose(); }
    }
}

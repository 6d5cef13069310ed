using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Steering;

/// <summary>
/// Steering at several layers at once, as the paper's multi-layer variant: at each chosen layer ℓ it adds
/// α·(v_ℓ − v_ℓ₋₁), the part of the persona direction that block ℓ adds. Over consecutive layers a..b the additions
/// sum to α·(v_b − v_a₋₁), so the total push is comparable to steering with one layer's vector, spread over the
/// blocks that build it. A llama.cpp control vector (<see cref="PersonaVector.ControlRows"/>) is already one addition per
/// layer, so its rows are added as they are, which is what llama.cpp does with the file.
/// </summary>
public static class MultiLayerSteering
{
    public static IDisposable Steer(CausalLM model, PersonaVector vector, IReadOnlyList<int> layers, double alpha, TokenPositions positions = TokenPositions.All)
    {
        Check(layers);
        return ScopeGroup.Open(layers, layer =>
        {
            using var increment = Increment(vector, layer);
            return model.Steer(increment, layer, alpha, positions);
        });
    }

    /// <summary>What is added at <paramref name="layer"/>, before α: v_ℓ − v_ℓ₋₁, or the row itself at layer 0 and in a
    /// control vector.</summary>
    public static Tensor Increment(PersonaVector vector, int layer)
    {
        using var here = vector.At(layer);
        using var below = layer == 0 || vector.ControlRows is not null ? null : vector.At(layer - 1);
        return below is null ? here.clone() : here - below;
    }

    /// <summary>Refuses an empty list or a repeated layer, which would push one block twice.</summary>
    public static void Check(IReadOnlyList<int> layers)
    {
        if (layers.Count == 0) throw new InvalidRequestException("multi-layer steering needs at least one layer");
        if (layers.Distinct().Count() != layers.Count) throw new InvalidRequestException($"layers {string.Join(",", layers)} repeat a layer");
    }
}

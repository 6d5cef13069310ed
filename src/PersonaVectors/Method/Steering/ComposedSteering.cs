using PersonaVectors.Engine;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Steering;

/// <summary>
/// Several vectors at once, each with its own α: the terms at the same layer are summed into one addition there,
/// so three vectors at one layer cost what one does.
/// </summary>
public static class ComposedSteering
{
    public static IDisposable Steer(LanguageModel lm, IReadOnlyList<(TraitVector Vector, double Alpha)> terms, TokenPositions positions = TokenPositions.All)
    {
        foreach (var (v, _) in terms) v.EnsureFits(lm.Config);
        return ScopeGroup.Open(terms.Where(t => t.Alpha != 0).GroupBy(t => t.Vector.Layer), layer =>
        {
            var sum = new float[lm.Config.HiddenSize];
            foreach (var (v, alpha) in layer)
                for (int i = 0; i < sum.Length; i++) sum[i] += (float)(alpha * v.Values[i]);
            using var t = tensor(sum);
            return lm.Model.Steer(t, layer.Key, 1.0, positions);
        });
    }
}

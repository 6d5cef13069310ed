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
        var scopes = new List<IDisposable>();
        try
        {
            foreach (var layer in terms.Where(t => t.Alpha != 0).GroupBy(t => t.Vector.Layer))
            {
                foreach (var (v, _) in layer) v.EnsureFits(lm.Config);
                int hidden = lm.Config.HiddenSize;
                var sum = new float[hidden];
                foreach (var (v, alpha) in layer)
                    for (int i = 0; i < hidden; i++) sum[i] += (float)(alpha * v.Values[i]);
                using var t = tensor(sum);
                scopes.Add(lm.Model.Steer(t, layer.Key, 1.0, positions));
            }
        }
        catch
        {
            foreach (var s in scopes) s.Dispose();
            throw;
        }
        return new All(scopes);
    }

    sealed class All(List<IDisposable> scopes) : IDisposable
    {
        public void Dispose()
        {
            foreach (var s in scopes) s.Dispose();
            scopes.Clear();
        }
    }
}

using TorchSharp;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Interventions;

/// <summary>
/// Averages the residual stream over the selected positions, per batch row and layer, while forward passes
/// run (including every decode step of a generation). Only running sums are kept, never each token's state.
/// </summary>
public sealed class ActivationCapture : IDisposable
{
    readonly IDisposable _registration;
    readonly Dictionary<int, Tensor> _sums = [];
    Tensor? _counts; // [batch], float32
    static readonly Scalar AtLeastOne = 1.0.ToScalar();   // held: see HeldScalar

    public IReadOnlyList<int> Layers { get; }
    public TokenPositions Positions { get; }

    internal ActivationCapture(CausalLM model, IReadOnlyList<int> layers, TokenPositions positions)
    {
        Layers = layers;
        Positions = positions;
        var wanted = layers.ToHashSet();
        int first = layers.Min();
        _registration = model.AddResidualHook((l, h, pass) =>
        {
            if (!wanted.Contains(l)) return h;
            using var scope = NewDisposeScope();
            var mask = pass.Mask(positions, forIntervention: false).to(ScalarType.Float32);   // [B, T]
            var sum = (h.detach().to(ScalarType.Float32) * mask.unsqueeze(-1)).sum(1);       // [B, hidden]
            _sums[l] = Accumulate(_sums.GetValueOrDefault(l), sum);
            if (l == first) _counts = Accumulate(_counts, mask.sum(1));
            return h;
        }, observer: true);
    }

    static Tensor Accumulate(Tensor? total, Tensor add)
    {
        if (total is null) return add.clone().DetachFromDisposeScope();
        if (total.shape[0] != add.shape[0])
            throw new InvalidRequestException($"a capture saw batches of {total.shape[0]} and {add.shape[0]} rows; use one capture per batch");
        return HeldScalar.AddInPlace(total, add);
    }

    /// <summary>Number of positions averaged, per batch row.</summary>
    public float[] Counts => _counts?.cpu().data<float>().ToArray() ?? [];

    /// <summary>Mean residual [batch, hidden] at one layer over the selected positions (zero rows where none were seen).</summary>
    public Tensor Mean(int layer)
    {
        if (!_sums.TryGetValue(layer, out var sum) || _counts is null)
            throw new InvalidOperationException($"nothing was captured at layer {layer}");
        return sum / _counts.clamp_min(AtLeastOne).unsqueeze(1);
    }

    /// <summary>Means for every captured layer, stacked as [batch, layers, hidden] in the order of <see cref="Layers"/>.</summary>
    public Tensor Means()
    {
        using var scope = NewDisposeScope(); // the per-layer means are temporaries
        return stack(Layers.Select(Mean).ToArray(), 1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _registration.Dispose();
        foreach (var t in _sums.Values) t.Dispose();
        _counts?.Dispose();
    }
}

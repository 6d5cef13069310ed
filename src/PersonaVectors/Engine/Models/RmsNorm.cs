using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// RMSNorm as in modeling_llama: normalise in (at least) float32, cast back, then scale by the weight. Gemma's
/// variant scales by (1 + weight) in float32 before casting back, and OLMo 2's by the weight in float32 before casting.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    readonly double _eps;
    readonly Scalar _heldEps;   // held for every pass: see HeldScalar
    readonly bool _addsOne, _scaleInFloat32;

    public RmsNorm(long size, double eps, ScalarType dtype, bool addsOne = false, bool scaleInFloat32 = false) : base(nameof(RmsNorm))
    {
        _scaleInFloat32 = scaleInFloat32 || addsOne;
        weight = new Parameter(addsOne ? torch.zeros(size, dtype) : torch.ones(size, dtype), requires_grad: false);
        _eps = eps;
        _heldEps = eps.ToScalar();
        _addsOne = addsOne;
        RegisterComponents();
    }

    /// <summary>The norm a family's config calls for.</summary>
    public static RmsNorm For(ModelConfig c, long size, ScalarType dtype) =>
        new(size, c.RmsNormEps, dtype, c.NormAddsOne, scaleInFloat32: c.Architecture == Architecture.Olmo2);

    /// <summary>Whether <see cref="ForwardRow"/> applies: Llama's norm over float32.</summary>
    internal bool PlainRow => _plainRow ??= !_scaleInFloat32 && weight.dtype == ScalarType.Float32;
    bool? _plainRow;

    /// <summary>The norm of one float32 row of <paramref name="n"/> values, as <see cref="forward"/> computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void ForwardRow(float* x, float* y, int n)
    {
        float scale = 1f / MathF.Sqrt(Kernels.RowMath.Dot(x, x, n) / n + (float)_eps);
        fixed (byte* pw = weight.bytes)
            for (int i = 0; i < n; i++) y[i] = ((float*)pw)[i] * (x[i] * scale);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.dtype == ScalarType.Float64 ? x : x.to(ScalarType.Float32);
        // x·x, not pow(2), and held additions: TorchSharp's pow(2) and + ε pass implicit Scalars (see HeldScalar).
        var normed = x32 * torch.rsqrt(HeldScalar.Add((x32 * x32).mean([-1], keepdim: true), _heldEps));
        var result = !_scaleInFloat32 ? weight * normed.to(x.dtype)
            : (normed * (_addsOne ? HeldScalar.AddOne(weight.to(normed.dtype)) : weight.to(normed.dtype))).to(x.dtype);
        return result.MoveToOuterDisposeScope();
    }
}

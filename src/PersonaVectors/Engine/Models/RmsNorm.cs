using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// RMSNorm as in modeling_llama: normalise in (at least) float32, cast back, then scale by the weight. Gemma's
/// variant scales by (1 + weight) in float32 before casting back.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    readonly double _eps;
    readonly bool _addsOne;

    public RmsNorm(long size, double eps, ScalarType dtype, bool addsOne = false) : base(nameof(RmsNorm))
    {
        weight = new Parameter(addsOne ? torch.zeros(size, dtype) : torch.ones(size, dtype), requires_grad: false);
        _eps = eps;
        _addsOne = addsOne;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.dtype == ScalarType.Float64 ? x : x.to(ScalarType.Float32);
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        var result = _addsOne ? (normed * (weight.to(normed.dtype) + 1.0)).to(x.dtype) : weight * normed.to(x.dtype);
        return result.MoveToOuterDisposeScope();
    }
}

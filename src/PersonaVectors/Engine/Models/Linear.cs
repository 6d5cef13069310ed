using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// y = x Wᵀ + b with the checkpoint's [out, in] weight layout. Unlike nn.Linear it allocates without a random
/// init, since every weight is overwritten by the loader (initialising 500M parameters first costs seconds).
/// </summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;

    public Linear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype) : base(nameof(Linear))
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures, dtype), requires_grad: false);
        if (hasBias) bias = new Parameter(torch.zeros(outFeatures, dtype), requires_grad: false);
        RegisterComponents();
    }

    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);
}

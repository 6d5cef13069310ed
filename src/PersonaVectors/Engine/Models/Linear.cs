using PersonaVectors.Engine.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// y = x Wᵀ + b with the checkpoint's [out, in] weight layout. Unlike nn.Linear it allocates without a random
/// init, since every weight is overwritten by the loader (initialising 500M parameters first costs seconds).
/// The weight may be stored narrower than the activations (see <see cref="MixedLinear"/>); the bias is kept
/// in the activation dtype.
/// </summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;

    public Linear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype, ScalarType? weightDType = null) : base(nameof(Linear))
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures, weightDType ?? dtype), requires_grad: false);
        if (hasBias) bias = new Parameter(torch.zeros(outFeatures, dtype), requires_grad: false);
        RegisterComponents();
    }

    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];

    /// <summary>A low-rank adapter added to this layer's output while attached (see <see cref="Lora.LoraAdapter"/>).
    /// Not a registered submodule: the base model's parameters and state stay those of the checkpoint.</summary>
    public Lora.LoraLayer? Adapter { get; internal set; }

    public override Tensor forward(Tensor x)
    {
        if (Adapter is null) return MixedLinear.Forward(x, weight, bias);
        using var scope = NewDisposeScope();
        return (MixedLinear.Forward(x, weight, bias) + Adapter.Delta(x)).MoveToOuterDisposeScope();
    }
}

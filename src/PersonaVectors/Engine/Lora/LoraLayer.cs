using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Lora;

/// <summary>The two factors added to one linear layer: y = W x + b + scale · B (A x).</summary>
public sealed class LoraLayer : IDisposable
{
    public Parameter A { get; }
    public Parameter B { get; }
    public double Scale { get; }
    readonly Scalar _heldScale;   // held for every pass: see HeldScalar

    /// <param name="device">Where the model lives (the factors are kept there, in float32, the training dtype).</param>
    public LoraLayer(Tensor a, Tensor b, double scale, Device? device = null)
    {
        A = new Parameter(a.to(ScalarType.Float32, device ?? a.device).detach().clone().DetachFromDisposeScope(), requires_grad: false);
        B = new Parameter(b.to(ScalarType.Float32, device ?? b.device).detach().clone().DetachFromDisposeScope(), requires_grad: false);
        Scale = scale;
        _heldScale = scale.ToScalar();
    }

    /// <summary>A fresh pair: A uniform in ±1/√in (nn.Linear's and PEFT's default draw), B zero.</summary>
    public static LoraLayer Fresh(long inFeatures, long outFeatures, int rank, double scale, Generator generator, Device? device = null)
    {
        using var scope = NewDisposeScope();
        double bound = 1 / Math.Sqrt(inFeatures);
        using Scalar two = 2.0.ToScalar(), one = 1.0.ToScalar(), held = bound.ToScalar();   // held: see HeldScalar
        var a = rand(rank, inFeatures, generator: generator).mul(two).sub(one).mul(held);
        return new LoraLayer(a, zeros(outFeatures, rank), scale, device);
    }

    /// <summary>scale · B (A x), in the activations' dtype.</summary>
    public Tensor Delta(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = A.to(x.dtype, x.device);
        var b = B.to(x.dtype, x.device);
        return (nn.functional.linear(nn.functional.linear(x, a), b) * _heldScale).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        _heldScale.Dispose();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine;

/// <summary>
/// Numbers handed to libtorch as Scalars that stay alive until libtorch has read them.
/// </summary>
/// <remarks>
/// Writing <c>x * alpha</c> or <c>x.masked_fill(mask, double.NegativeInfinity)</c> makes a temporary TorchSharp
/// <see cref="Scalar"/>, an object whose finalizer frees its native value. TorchSharp 0.107 reads the Scalar's handle
/// and calls libtorch without keeping the object alive, so a garbage collection started by another thread (or the
/// background collector) during the call can free the value while libtorch still reads it. Out-of-place masked_fill
/// clones the whole tensor before it reads the value, the widest window: a `persona world seeds` run stopped once
/// with "Expected false to be true" in <c>Scalar::toFloat</c>, and with another thread collecting garbage without
/// pause the same fill on a 256×1024 tensor fails in every run (docs/troubleshooting.md). TorchSharp's <c>+</c> of two
/// tensors makes one too (the second term's factor, 1). The engine's hot paths therefore hold their Scalars:
/// constants in static or module fields, per-call numbers in a <c>using</c> variable (it is disposed, so alive, at
/// the end of its scope). Upstream, dotnet/TorchSharp pull requests 1434 and 1496
/// (open) dispose such temporaries.
/// </remarks>
public static class HeldScalar
{
    static readonly Scalar MinusInfinity = double.NegativeInfinity.ToScalar();
    static readonly Scalar One = 1.0.ToScalar();

    /// <summary>a + b. TorchSharp's <c>+</c> of two tensors passes an implicit Scalar 1 as the second term's factor.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + b for a held number b; TorchSharp's <c>+</c> of a tensor and a Scalar passes an implicit factor 1 too.</summary>
    public static Tensor Add(Tensor a, Scalar b) => a.add(b, One);

    /// <summary>a + 1.</summary>
    public static Tensor AddOne(Tensor a) => a.add(One, One);

    /// <summary>Sets the masked entries to −∞ (attention's forbidden keys, the sampler's dropped tokens).</summary>
    public static Tensor FillMinusInfinity(Tensor x, Tensor mask) => x.masked_fill(mask, MinusInfinity);
}

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
/// tensors makes one too (the second term's factor, 1). The library therefore holds every Scalar it makes
/// (ImplicitScalarTests reads every method's IL to check):
/// constants in static or module fields, per-call numbers in a <c>using</c> variable (it is disposed, so alive, at
/// the end of its scope). Upstream, dotnet/TorchSharp pull requests 1434 and 1496
/// (open) dispose such temporaries.
/// </remarks>
public static class HeldScalar
{
    static readonly Scalar MinusInfinity = double.NegativeInfinity.ToScalar();
    static readonly Scalar One = 1.0.ToScalar();
    static readonly Scalar OneInteger = 1L.ToScalar();
    static readonly Scalar ZeroInteger = 0L.ToScalar();

    /// <summary>a + b. TorchSharp's <c>+</c> of two tensors passes an implicit Scalar 1 as the second term's factor.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + b for a held number b; TorchSharp's <c>+</c> of a tensor and a Scalar passes an implicit factor 1 too.</summary>
    public static Tensor Add(Tensor a, Scalar b) => a.add(b, One);

    /// <summary>a += b in place; TorchSharp's one-argument <c>add_</c> passes an implicit factor 1.</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += b in place for a held number b.</summary>
    public static Tensor AddInPlace(Tensor a, Scalar b) => a.add_(b, One);

    /// <summary>a · b for a number b, held for the call.</summary>
    public static Tensor Times(Tensor a, double b)
    {
        using var held = b.ToScalar();
        return a.mul(held);
    }

    /// <summary>The integers start, start + 1, ..., stop − 1 (Int64); TorchSharp's two-bound <c>arange</c> makes its step of 1 implicitly.</summary>
    public static Tensor Range(long start, long stop, Device? device = null)
    {
        using Scalar from = start.ToScalar(), to = stop.ToScalar();
        return arange(from, to, OneInteger, ScalarType.Int64, device);
    }

    /// <summary>a − 1 for an integer tensor (an Int64 Scalar keeps it integer).</summary>
    public static Tensor MinusOne(Tensor a) => a.sub(OneInteger);

    /// <summary>max(a, 0) for an integer tensor.</summary>
    public static Tensor ClampAtZero(Tensor a) => a.clamp_min(ZeroInteger);

    /// <summary>a + 1.</summary>
    public static Tensor AddOne(Tensor a) => a.add(One, One);

    /// <summary>Sets the masked entries to −∞ (attention's forbidden keys, the sampler's dropped tokens).</summary>
    public static Tensor FillMinusInfinity(Tensor x, Tensor mask) => x.masked_fill(mask, MinusInfinity);
}

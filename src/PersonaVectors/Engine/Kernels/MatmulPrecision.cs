using static TorchSharp.torch;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// Mixed-precision matmuls for training: while a scope is open on a thread, every float32 linear layer of the model
/// (projections, MLP, output head; not LoRA factors, which multiply on their own) multiplies in bfloat16 and returns float32, and autograd carries the gradients back
/// to the float32 weights through the casts. Everything else (norms, attention, softmax, the loss, the optimizer's
/// master weights and moments) stays float32. On our 2-core AVX-512 BF16 machine libtorch's bfloat16 GEMM is about 5×
/// its float32 one (shared/notes/speed-facts.md); the organism's small matrices gain less (docs/benchmarks.md).
/// </summary>
public static class MatmulPrecision
{
    [ThreadStatic] static ScalarType? _current;

    /// <summary>The dtype float32 matmuls run in on this thread; null when they run in float32.</summary>
    public static ScalarType? Current => _current;

    /// <summary>Runs this thread's float32 matmuls in <paramref name="dtype"/> (only bfloat16, or null for none) until disposed.</summary>
    public static IDisposable Use(ScalarType? dtype)
    {
        if (dtype is not (null or ScalarType.BFloat16))
            throw new InvalidRequestException($"matmul precision {dtype} is not supported: use bfloat16, or none for float32");
        var scope = new Scope(_current);
        _current = dtype;
        return scope;
    }

    sealed class Scope(ScalarType? previous) : IDisposable
    {
        bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _current = previous;
        }
    }
}

using static TorchSharp.torch;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// x·Wᵀ + b where the weights may be stored in a narrower dtype than the activations (bfloat16 weights,
/// float32 activations). A few rows (decoding) go through <see cref="Bf16MatVec"/>; many rows (prefill,
/// batches) through libtorch's bfloat16 GEMM, which is several times faster than its float32 one here.
/// Gradients take the libtorch path.
/// </summary>
public static unsafe class MixedLinear
{
    /// <summary>Up to this many rows the streaming kernel beats the GEMM (measured by the bench, 2 cores).</summary>
    public static int StreamingRows { get; set; } = 4;

    /// <summary>Threads for the streaming kernel (environment PERSONA_STREAMING_THREADS; default libtorch's count).</summary>
    public static int StreamingThreads { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("PERSONA_STREAMING_THREADS"), out int t) && t > 0 ? t : get_num_threads();

    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias)
    {
        if (weight.dtype == x.dtype) return nn.functional.linear(x, weight, bias);
        long k = weight.shape[1], n = weight.shape[0];
        long rows = x.numel() / k;
        bool streaming = rows <= StreamingRows && weight.dtype == ScalarType.BFloat16 && x.dtype == ScalarType.Float32
            && x.device_type == TorchSharp.DeviceType.CPU && !x.requires_grad && !weight.requires_grad && weight.is_contiguous();
        if (!streaming)
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.linear(x.to(weight.dtype), weight, null).to(x.dtype);
            if (bias is not null) y = y + bias.to(x.dtype);
            return y.MoveToOuterDisposeScope();
        }
        using var xc = x.contiguous();
        var shape = x.shape.ToArray();
        shape[^1] = n;
        var output = empty(shape, ScalarType.Float32);
        fixed (byte* px = xc.bytes)
        fixed (byte* pw = weight.bytes)
        fixed (byte* py = output.bytes)
            Bf16MatVec.Multiply((float*)px, (int)rows, (int)k, (ushort*)pw, (int)n, (float*)py, StreamingThreads);
        if (bias is not null) output.add_(bias.to(ScalarType.Float32));
        return output;
    }
}

using static TorchSharp.torch;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// x·Wᵀ + b where the weights may be stored narrower than the activations: bfloat16, or Q8 (int8 with a float16
/// scale per 32 inputs, <see cref="Q8Blocks"/>) against float32 activations. A few rows (decoding) go through a
/// streaming kernel that reads the stored weights directly (<see cref="Bf16MatVec"/>, <see cref="Q8MatVec"/>);
/// many rows (prefill, batches) through libtorch's bfloat16 GEMM, which is several times faster than its float32
/// one here; Q8 weights reach it a tile of rows at a time, so inference never holds a full-size copy. Gradients
/// (LoRA over frozen weights) flow to x only; for Q8 through <see cref="Q8Linear"/>, which widens the tiles again
/// in the backward pass instead of keeping them. Float32 weights over float32 activations multiply in bfloat16 while
/// a <see cref="MatmulPrecision"/> scope asks for it (mixed-precision training), with gradients to the weights too.
/// </summary>
public static unsafe class MixedLinear
{
    /// <summary>Up to this many rows the streaming kernel beats the GEMM (measured by the bench, 2 cores).</summary>
    public static int StreamingRows { get; set; } = 4;

    /// <summary>Threads for the streaming kernel (environment PERSONA_STREAMING_THREADS; default libtorch's count).</summary>
    public static int StreamingThreads { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("PERSONA_STREAMING_THREADS"), out int t) && t > 0 ? t : get_num_threads();

    /// <summary>Output rows dequantized at a time on the GEMM path: 2,048 × 14,336 bfloat16 is 56 MB at most.</summary>
    public static int Q8TileRows { get; set; } = 2048;

    /// <param name="scales">The float16 block scales [n, k/32] when <paramref name="weight"/> is int8 (Q8); null otherwise.</param>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? scales, Tensor? bias)
    {
        if (weight.dtype == ScalarType.Int8) return Q8(x, weight, scales ?? throw new ArgumentNullException(nameof(scales)), bias);
        if (weight.dtype == x.dtype && x.dtype == ScalarType.Float32 && MatmulPrecision.Current is { } compute)
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.linear(x.to(compute), weight.to(compute), null).to(x.dtype);
            if (bias is not null) y = HeldScalar.Add(y, bias);
            return y.MoveToOuterDisposeScope();
        }
        if (weight.dtype == x.dtype) return nn.functional.linear(x, weight, bias);
        long k = weight.shape[1], n = weight.shape[0];
        long rows = x.numel() / k;
        bool streaming = rows <= StreamingRows && weight.dtype == ScalarType.BFloat16 && Streamable(x) && weight.is_contiguous();
        if (!streaming)
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.linear(x.to(weight.dtype), weight, null).to(x.dtype);
            if (bias is not null) y = HeldScalar.Add(y, bias.to(x.dtype));
            return y.MoveToOuterDisposeScope();
        }
        using var xc = x.contiguous();
        var output = empty(OutputShape(x, n), ScalarType.Float32);
        fixed (byte* px = xc.bytes)
        fixed (byte* pw = weight.bytes)
        fixed (byte* py = output.bytes)
            Bf16MatVec.Multiply((float*)px, (int)rows, (int)k, (ushort*)pw, (int)n, (float*)py, StreamingThreads);
        if (bias is not null) HeldScalar.AddInPlace(output, bias.to(ScalarType.Float32));
        return output;
    }

    static bool Streamable(Tensor x) => x.dtype == ScalarType.Float32 && x.device_type == TorchSharp.DeviceType.CPU && !x.requires_grad;

    static long[] OutputShape(Tensor x, long n)
    {
        var shape = x.shape.ToArray();
        shape[^1] = n;
        return shape;
    }

    /// <summary>A tile's rows split between the streaming threads, which are otherwise idle while libtorch waits for the tile.</summary>
    static void Dequantize(sbyte* q, Half* d, long start, int count, int k, ushort* tile)
    {
        int parts = Math.Min(StreamingThreads, Math.Max(1, count / 64));
        if (parts <= 1) { Q8Blocks.ToBFloat16(q, d, start, count, k, tile); return; }
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
        {
            int from = (int)((long)count * p / parts), to = (int)((long)count * (p + 1) / parts);
            Q8Blocks.ToBFloat16(q, d, start + from, to - from, k, tile + (long)from * k);
        });
    }

    static Tensor Q8(Tensor x, Tensor q, Tensor d, Tensor? bias)
    {
        if (q.device_type != TorchSharp.DeviceType.CPU)
            throw new InvalidOperationException("Q8 weights run on the CPU only; load with --dtype bf16 or f32 for other devices");
        if (!q.is_contiguous() || !d.is_contiguous()) throw new InvalidOperationException("Q8 weights and scales must be contiguous");
        long k = q.shape[1], n = q.shape[0];
        long rows = x.numel() / k;
        if (rows <= StreamingRows && Streamable(x))
        {
            // No dispose scope on this path: it runs 169 times per decoded token of a 0.5B model.
            using var xc = x.contiguous();
            var output = empty(OutputShape(x, n), ScalarType.Float32);
            fixed (byte* px = xc.bytes)
            fixed (byte* pq = q.bytes)
            fixed (byte* pd = d.bytes)
            fixed (byte* py = output.bytes)
                Q8MatVec.Multiply((float*)px, (int)rows, (int)k, (sbyte*)pq, (Half*)pd, (int)n, (float*)py, StreamingThreads);
            if (bias is not null) HeldScalar.AddInPlace(output, bias.to(ScalarType.Float32));
            return output;
        }
        using var scope = NewDisposeScope();
        var y = x.requires_grad ? Q8Linear.apply(x, q, d) : Q8Tiles(x, q, d);
        if (bias is not null) y = HeldScalar.Add(y, bias.to(y.dtype));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>x·Wᵀ through the bfloat16 GEMM, W widened a tile of rows at a time (no gradient).</summary>
    internal static Tensor Q8Tiles(Tensor x, Tensor q, Tensor d)
    {
        long n = q.shape[0];
        using var scope = NewDisposeScope();
        var xb = x.to(ScalarType.BFloat16);
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += Q8TileRows)
        {
            using var tile = Tile(q, d, start, (int)Math.Min(Q8TileRows, n - start));
            parts.Add(nn.functional.linear(xb, tile, null));
        }
        return (parts.Count == 1 ? parts[0] : cat(parts, -1)).to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>g·W (the gradient of x·Wᵀ with respect to x), W widened a tile of rows at a time.</summary>
    internal static Tensor Q8TilesTransposed(Tensor g, Tensor q, Tensor d)
    {
        long n = q.shape[0];
        using var scope = NewDisposeScope();
        var gb = g.to(ScalarType.BFloat16);
        Tensor? sum = null;
        for (long start = 0; start < n; start += Q8TileRows)
        {
            int count = (int)Math.Min(Q8TileRows, n - start);
            using var tile = Tile(q, d, start, count);
            var part = gb.narrow(-1, start, count).matmul(tile).to(ScalarType.Float32);
            sum = sum is null ? part : HeldScalar.AddInPlace(sum, part);
        }
        return sum!.MoveToOuterDisposeScope();
    }

    static Tensor Tile(Tensor q, Tensor d, long start, int count)
    {
        int k = (int)q.shape[1];
        var tile = empty(count, k, ScalarType.BFloat16);
        fixed (byte* pq = q.bytes)
        fixed (byte* pd = d.bytes)
        fixed (byte* pt = tile.bytes)
            Dequantize((sbyte*)pq, (Half*)pd, start, count, k, (ushort*)pt);
        return tile;
    }
}

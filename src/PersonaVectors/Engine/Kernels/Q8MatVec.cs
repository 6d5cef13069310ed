using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// y = x·Wᵀ for a few rows of float32 activations against Q8 weights (<see cref="Q8Blocks"/>): int8 q [n, k] and
/// float16 scales d [n, k/32]. Decoding streams every weight once per token, so reading one byte per weight
/// instead of two (bfloat16) or four is the whole gain. The activations stay float32: each block's 32 products
/// are summed in float32 and scaled by its d, so the result is Σ_b d_b Σ_j q_bj x_bj up to summation order.
/// </summary>
public static unsafe class Q8MatVec
{
    /// <summary>Which loop runs: "avx512", "avx2" or "scalar" (a narrower one forced with <see cref="ForcePath"/>).</summary>
    public static string Path => ForcePath switch
    {
        "scalar" => "scalar",
        "avx2" when Avx2.IsSupported && Fma.IsSupported => "avx2",
        _ => Avx512F.IsSupported ? "avx512" : Avx2.IsSupported && Fma.IsSupported ? "avx2" : "scalar",
    };

    /// <summary>"avx2" or "scalar" runs that loop on this thread's calls whatever wider one the CPU has, so tests cover
    /// every loop on a machine with AVX-512.</summary>
    [ThreadStatic] public static string? ForcePath;

    public static void Multiply(float* x, int rows, int k, sbyte* q, Half* d, int n, float* y, int threads)
    {
        if (k % Q8Blocks.BlockSize != 0) throw new ArgumentException($"k = {k} is not a multiple of {Q8Blocks.BlockSize}", nameof(k));
        string path = Path;
        RowTasks.For(n, threads, (start, end) => Range(path, x, rows, k, q, d, start, end, n, y));
    }

    /// <summary>One matrix of <see cref="MultiplyParts"/>: its weights, scales, output size and output.</summary>
    public readonly record struct Part(IntPtr Q, IntPtr D, int N, IntPtr Y);

    /// <summary>
    /// y_p = x·W_pᵀ for one row x and several matrices of the same input size (a layer's q, k and v; gate and up)
    /// as one job over their rows together: one fork-join instead of one per matrix, and the small k and v
    /// products no longer run on one thread alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyParts(float* x, int k, Part[] parts, int threads)
    {
        if (k % Q8Blocks.BlockSize != 0) throw new ArgumentException($"k = {k} is not a multiple of {Q8Blocks.BlockSize}", nameof(k));
        string path = Path;
        int total = parts.Sum(p => p.N);
        RowTasks.For(total, threads, (start, end) =>
        {
            for (int i = 0, first = 0; i < parts.Length && first < end; first += parts[i].N, i++)
            {
                int from = Math.Max(start, first) - first, to = Math.Min(end, first + parts[i].N) - first;
                if (from < to)
                    Range(path, x, 1, k, (sbyte*)parts[i].Q, (Half*)parts[i].D, from, to, parts[i].N, (float*)parts[i].Y);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first token: no tier-0 or OSR code
    static void Range(string path, float* x, int rows, int k, sbyte* q, Half* d, int start, int end, int n, float* y)
    {
        int blocks = k / Q8Blocks.BlockSize;
        // Four weight rows at a time share each activation load and keep four streams in flight; their scales,
        // contiguous in d, are widened to float32 in one call per four rows, not once per block.
        int stride = blocks;
        float* scales = stackalloc float[4 * blocks + 16];
        int j = start;
        for (; j < end; j += 4)
        {
            int count = Math.Min(4, end - j);
            Q8Blocks.ScalesToFloat(d + (long)j * blocks, count * blocks, scales);
            for (int r = 0; r < rows; r++)
            {
                float* xr = x + (long)r * k;
                float* yr = y + (long)r * n + j;
                if (count == 4 && path == "avx512") Dot4Avx512(xr, q + (long)j * k, k, scales, stride, yr);
                else if (count == 4 && path == "avx2") Dot4Avx2(xr, q + (long)j * k, k, scales, stride, yr);
                else
                    for (int i = 0; i < count; i++) yr[i] = DotScalar(xr, q + (long)(j + i) * k, k, scales + i * stride);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4Avx512(float* x, sbyte* q, int k, float* s, int stride, float* y)
    {
        sbyte* q0 = q, q1 = q + k, q2 = q + 2L * k, q3 = q + 3L * k;
        float* s0 = s, s1 = s + stride, s2 = s + 2 * stride, s3 = s + 3 * stride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        // The next four rows follow these in memory: ask for them now, so the loads overlap the arithmetic
        // (measured on the 151,936 × 896 head: 10.5 ms without, 4.0-4.5 ms with).
        sbyte* ahead = q + 4L * k;
        for (int i = 0, b = 0; i < k; i += 32, b++)
        {
            Sse.Prefetch0(ahead + 4 * i); Sse.Prefetch0(ahead + 4 * i + 64);
            var lo = Vector512.Load(x + i);
            var hi = Vector512.Load(x + i + 16);
            a0 = Avx512F.FusedMultiplyAdd(Block512(q0 + i, lo, hi), Vector512.Create(s0[b]), a0);
            a1 = Avx512F.FusedMultiplyAdd(Block512(q1 + i, lo, hi), Vector512.Create(s1[b]), a1);
            a2 = Avx512F.FusedMultiplyAdd(Block512(q2 + i, lo, hi), Vector512.Create(s2[b]), a2);
            a3 = Avx512F.FusedMultiplyAdd(Block512(q3 + i, lo, hi), Vector512.Create(s3[b]), a3);
        }
        y[0] = Vector512.Sum(a0); y[1] = Vector512.Sum(a1); y[2] = Vector512.Sum(a2); y[3] = Vector512.Sum(a3);
    }

    /// <summary>One block's 32 products, summed pairwise into 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Block512(sbyte* q, Vector512<float> lo, Vector512<float> hi) =>
        Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16))), hi,
            Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q))) * lo);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4Avx2(float* x, sbyte* q, int k, float* s, int stride, float* y)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0, b = 0; i < k; i += 32, b++)
        {
            var x0 = Vector256.Load(x + i); var x1 = Vector256.Load(x + i + 8);
            var x2 = Vector256.Load(x + i + 16); var x3 = Vector256.Load(x + i + 24);
            a0 = Fma.MultiplyAdd(Block256(q + i, x0, x1, x2, x3), Vector256.Create(s[b]), a0);
            a1 = Fma.MultiplyAdd(Block256(q + k + i, x0, x1, x2, x3), Vector256.Create(s[stride + b]), a1);
            a2 = Fma.MultiplyAdd(Block256(q + 2L * k + i, x0, x1, x2, x3), Vector256.Create(s[2 * stride + b]), a2);
            a3 = Fma.MultiplyAdd(Block256(q + 3L * k + i, x0, x1, x2, x3), Vector256.Create(s[3 * stride + b]), a3);
        }
        y[0] = Vector256.Sum(a0); y[1] = Vector256.Sum(a1); y[2] = Vector256.Sum(a2); y[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Widen(sbyte* q) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Block256(sbyte* q, Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3) =>
        Fma.MultiplyAdd(Widen(q + 24), x3, Fma.MultiplyAdd(Widen(q + 16), x2, Fma.MultiplyAdd(Widen(q + 8), x1, Widen(q) * x0)));

    static float DotScalar(float* x, sbyte* q, int k, float* s)
    {
        float sum = 0;
        for (int i = 0, b = 0; i < k; i += 32, b++)
        {
            float block = 0;
            for (int j = 0; j < 32; j++) block += q[i + j] * x[i + j];
            sum += block * s[b];
        }
        return sum;
    }
}

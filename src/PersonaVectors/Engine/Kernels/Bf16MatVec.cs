using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// y = x·Wᵀ for a few rows of float32 activations against bfloat16 weights [n, k], accumulating in float32.
/// Decoding one token is bound by how fast the weights stream from memory; libtorch's matrix-vector kernels
/// reach about half the machine's bandwidth on our 2-core machines (shared/notes/speed-facts.md), and
/// bfloat16 weights halve the bytes. bfloat16 → float32 is exact (the high half of a float), so the result
/// equals the float32 product of the same weights up to summation order.
/// </summary>
public static unsafe class Bf16MatVec
{
    public static void Multiply(float* x, int rows, int k, ushort* w, int n, float* y, int threads)
    {
        // The AVX-512 loop widens bf16 by interleaving with zeros (vpunpck{l,h}wd), which is cheaper than
        // zero-extend and shift but yields elements in lane-interleaved order; permute x once to match.
        float[]? permuted = Avx512BW.IsSupported && k >= 32 ? Permute(x, rows, k) : null;
        fixed (float* xp = permuted)
        {
            float* xs = xp != null ? xp : x;
            RowTasks.For(n, threads, (start, end) => Range(xs, x, rows, k, w, start, end, n, y));
        }
    }

    /// <summary>Within each block of 32, lane L of the low half takes x[8L..8L+3] and of the high half x[8L+4..8L+7].</summary>
    static float[] Permute(float* x, int rows, int k)
    {
        var p = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            float* src = x + (long)r * k;
            int o = r * k, c = 0;
            for (; c + 32 <= k; c += 32)
                for (int lane = 0; lane < 4; lane++)
                    for (int e = 0; e < 4; e++)
                    {
                        p[o + c + lane * 4 + e] = src[c + lane * 8 + e];
                        p[o + c + 16 + lane * 4 + e] = src[c + lane * 8 + 4 + e];
                    }
            for (; c < k; c++) p[o + c] = src[c];
        }
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first token: no tier-0 or OSR code
    static void Range(float* xs, float* x, int rows, int k, ushort* w, int start, int end, int n, float* y)
    {
        int j = start;
        // Four weight rows at a time keep four independent streams in flight.
        for (; j + 4 <= end; j += 4)
            for (int r = 0; r < rows; r++)
                Dot4(xs + (long)r * k, x + (long)r * k, w + (long)j * k, k, y + (long)r * n + j);
        for (; j < end; j++)
            for (int r = 0; r < rows; r++)
                y[(long)r * n + j] = Dot(x + (long)r * k, w + (long)j * k, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Widen256(ushort* p) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load(p)), 16).AsSingle();

    /// <param name="xs">x as the vector loop wants it (permuted when AVX-512 is used).</param>
    /// <param name="x">x in natural order, for the scalar tail.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4(float* xs, float* x, ushort* w, int k, float* y)
    {
        ushort* w0 = w, w1 = w + k, w2 = w + 2L * k, w3 = w + 3L * k;
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (Avx512BW.IsSupported && k >= 32)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            var zero = Vector512<ushort>.Zero;
            // The next four rows follow in memory: request them while these are multiplied (see Q8MatVec).
            byte* ahead = (byte*)(w + 4L * k);
            for (; i + 32 <= k; i += 32)
            {
                Sse.Prefetch0(ahead + 8 * i); Sse.Prefetch0(ahead + 8 * i + 64); Sse.Prefetch0(ahead + 8 * i + 128); Sse.Prefetch0(ahead + 8 * i + 192);
                var lo = Vector512.Load(xs + i);
                var hi = Vector512.Load(xs + i + 16);
                var v0 = Vector512.Load(w0 + i);
                a0 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v0).AsSingle(), lo, a0);
                b0 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v0).AsSingle(), hi, b0);
                var v1 = Vector512.Load(w1 + i);
                a1 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v1).AsSingle(), lo, a1);
                b1 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v1).AsSingle(), hi, b1);
                var v2 = Vector512.Load(w2 + i);
                a2 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v2).AsSingle(), lo, a2);
                b2 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v2).AsSingle(), hi, b2);
                var v3 = Vector512.Load(w3 + i);
                a3 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackLow(zero, v3).AsSingle(), lo, a3);
                b3 = Avx512F.FusedMultiplyAdd(Avx512BW.UnpackHigh(zero, v3).AsSingle(), hi, b3);
            }
            s0 = Vector512.Sum(a0 + b0); s1 = Vector512.Sum(a1 + b1); s2 = Vector512.Sum(a2 + b2); s3 = Vector512.Sum(a3 + b3);
        }
        else if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 8 <= k; i += 8)
            {
                var xv = Vector256.Load(x + i);
                a0 = Fma.MultiplyAdd(Widen256(w0 + i), xv, a0);
                a1 = Fma.MultiplyAdd(Widen256(w1 + i), xv, a1);
                a2 = Fma.MultiplyAdd(Widen256(w2 + i), xv, a2);
                a3 = Fma.MultiplyAdd(Widen256(w3 + i), xv, a3);
            }
            s0 = Vector256.Sum(a0); s1 = Vector256.Sum(a1); s2 = Vector256.Sum(a2); s3 = Vector256.Sum(a3);
        }
        for (; i < k; i++)
        {
            float xi = x[i];
            s0 += ToFloat(w0[i]) * xi; s1 += ToFloat(w1[i]) * xi; s2 += ToFloat(w2[i]) * xi; s3 += ToFloat(w3[i]) * xi;
        }
        y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3;
    }

    static float Dot(float* x, ushort* w, int k)
    {
        float s = 0;
        for (int i = 0; i < k; i++) s += ToFloat(w[i]) * x[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort bf16) => BitConverter.Int32BitsToSingle(bf16 << 16);
}

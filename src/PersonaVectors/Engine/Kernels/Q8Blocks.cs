using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// Weight-only int8 in llama.cpp's Q8_0 layout, split into two arrays: each row of k weights is k/32 blocks, each
/// block 32 signed bytes q and one float16 scale d, with w ≈ d·q. Quantizing follows ggml's reference
/// (d = max|w|/127, q = round-half-away(w/d)), so a row quantized here has the bytes llama.cpp's quantizer writes.
/// </summary>
public static unsafe class Q8Blocks
{
    public const int BlockSize = 32;

    /// <summary>Quantizes <paramref name="rows"/> rows of k floats into q [rows, k] and d [rows, k/32].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(float* w, long rows, int k, sbyte* q, Half* d)
    {
        if (k % BlockSize != 0) throw new ArgumentException($"k = {k} is not a multiple of {BlockSize}", nameof(k));
        long blocks = rows * (k / BlockSize);
        for (long b = 0; b < blocks; b++)
        {
            float* x = w + b * BlockSize;
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float scale = amax / 127f;
            float inverse = scale != 0 ? 1f / scale : 0f;
            d[b] = (Half)scale;
            sbyte* o = q + b * BlockSize;
            for (int j = 0; j < BlockSize; j++) o[j] = (sbyte)MathF.Round(x[j] * inverse, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Float16 → float32 for n scales. Exact for every finite value, subnormals included: the magnitude
    /// bits shifted into a float's place and multiplied by 2^112 re-bias the exponent (the trick ggml's scalar
    /// fallback uses), which vectorises where a per-element conversion would cost nanoseconds per block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScalesToFloat(Half* d, int n, float* f)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var magic = Vector512.Create(5.192296858534828e33f); // 2^112
            var maskMagnitude = Vector512.Create(0x7fff);
            var maskSign = Vector512.Create(0x8000);
            for (; i + 16 <= n; i += 16)
                Widen(Vector256.Load((ushort*)d + i), magic, maskMagnitude, maskSign).Store(f + i);
            if (i < n)
            {
                // The tail through the same vector path: .NET's scalar Half → float is software and costs more
                // than the 32 products of a block.
                ushort* tail = stackalloc ushort[16];
                float* wide = stackalloc float[16];
                for (int j = 0; j < 16; j++) tail[j] = i + j < n ? ((ushort*)d)[i + j] : (ushort)0;
                Widen(Vector256.Load(tail), magic, maskMagnitude, maskSign).Store(wide);
                for (int j = 0; i < n; i++, j++) f[i] = wide[j];
            }
            return;
        }
        for (; i < n; i++) f[i] = (float)d[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Widen(Vector256<ushort> halves, Vector512<float> magic, Vector512<int> maskMagnitude, Vector512<int> maskSign)
    {
        var h = Avx512F.ConvertToVector512Int32(halves);
        var magnitude = Avx512F.ShiftLeftLogical(h & maskMagnitude, 13).AsSingle() * magic;
        var sign = Avx512F.ShiftLeftLogical(h & maskSign, 16);
        return (magnitude.AsInt32() | sign).AsSingle();
    }

    /// <summary>Rows [start, start + count) of a quantized matrix as bfloat16 (round to nearest even), for the
    /// GEMM that prefill and batches go through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToBFloat16(sbyte* q, Half* d, long start, int count, int k, ushort* bf16)
    {
        int blocksPerRow = k / BlockSize;
        float* scales = stackalloc float[Math.Max(16, blocksPerRow)];
        for (int r = 0; r < count; r++)
        {
            long row = start + r;
            ScalesToFloat(d + row * blocksPerRow, blocksPerRow, scales);
            sbyte* src = q + row * k;
            ushort* dst = bf16 + (long)r * k;
            for (int b = 0; b < blocksPerRow; b++)
            {
                int o = b * BlockSize;
                float s = scales[b];
                if (Avx512F.IsSupported)
                {
                    var sv = Vector512.Create(s);
                    StoreBf16(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(src + o))) * sv, dst + o);
                    StoreBf16(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(src + o + 16))) * sv, dst + o + 16);
                }
                else
                    for (int j = 0; j < BlockSize; j++) dst[o + j] = ToBf16(src[o + j] * s);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreBf16(Vector512<float> v, ushort* dst)
    {
        var bits = v.AsUInt32();
        var rounded = Avx512F.ShiftRightLogical(bits + Vector512.Create(0x7fffu) + (Avx512F.ShiftRightLogical(bits, 16) & Vector512.Create(1u)), 16);
        Avx512F.ConvertToVector256UInt16(rounded).Store(dst);
    }

    /// <summary>float32 → bfloat16, round to nearest even (as libtorch does; no NaN can arise from q·d).</summary>
    public static ushort ToBf16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
}

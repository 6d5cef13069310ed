using System.Buffers.Binary;

namespace PersonaVectors.Engine.Gguf;

/// <summary>
/// GGML's block formats turned back into floats, one row at a time: F32, F16, BF16, the 32-element blocks
/// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) and the 256-element k-quants (Q4_K, Q5_K, Q6_K), following the layouts of
/// ggml's block_* structs. Pure functions of the bytes; checked against llama.cpp's own quantizer in the tests.
/// </summary>
public static class GgmlDequantize
{
    public static readonly GgmlType[] Supported =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

    public static bool IsSupported(GgmlType type) => Supported.Contains(type);

    /// <summary>Dequantizes <paramref name="src"/> (whole blocks) into <paramref name="dst"/> (one float per element).</summary>
    public static void ToFloat(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        var (per, bytes) = GgmlTypes.Block(type);
        if (dst.Length % per != 0 || src.Length != dst.Length / per * bytes)
            throw new ArgumentException($"{type}: {src.Length} bytes for {dst.Length} values");
        int blocks = dst.Length / per;
        for (int b = 0; b < blocks; b++)
        {
            var s = src.Slice(b * bytes, bytes);
            var d = dst.Slice(b * per, per);
            switch (type)
            {
                case GgmlType.F32: d[0] = BinaryPrimitives.ReadSingleLittleEndian(s); break;
                case GgmlType.F16: d[0] = (float)BinaryPrimitives.ReadHalfLittleEndian(s); break;
                case GgmlType.BF16: d[0] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(s) << 16); break;
                case GgmlType.Q4_0: Q4_0(s, d); break;
                case GgmlType.Q4_1: Q4_1(s, d); break;
                case GgmlType.Q5_0: Q5_0(s, d); break;
                case GgmlType.Q5_1: Q5_1(s, d); break;
                case GgmlType.Q8_0: Q8_0(s, d); break;
                case GgmlType.Q4_K: Q4_K(s, d); break;
                case GgmlType.Q5_K: Q5_K(s, d); break;
                case GgmlType.Q6_K: Q6_K(s, d); break;
                default: throw new InvalidRequestException($"GGML type {type} cannot be dequantized here (supported: {string.Join(", ", Supported)})");
            }
        }
    }

    static float Half(ReadOnlySpan<byte> s, int at) => (float)BinaryPrimitives.ReadHalfLittleEndian(s[at..]);

    // block_q4_0 { half d; u8 qs[16]; }: low nibbles are elements 0..15, high nibbles 16..31, offset by 8.
    static void Q4_0(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0);
        var qs = s[2..];
        for (int j = 0; j < 16; j++)
        {
            y[j] = ((qs[j] & 0x0F) - 8) * d;
            y[j + 16] = ((qs[j] >> 4) - 8) * d;
        }
    }

    // block_q4_1 { half d; half m; u8 qs[16]; }: x = q·d + m.
    static void Q4_1(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0), m = Half(s, 2);
        var qs = s[4..];
        for (int j = 0; j < 16; j++)
        {
            y[j] = (qs[j] & 0x0F) * d + m;
            y[j + 16] = (qs[j] >> 4) * d + m;
        }
    }

    // block_q5_0 { half d; u8 qh[4]; u8 qs[16]; }: the fifth bit of element j is bit j of qh, offset by 16.
    static void Q5_0(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(s[2..]);
        var qs = s[6..];
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (((qs[j] & 0x0F) | h0) - 16) * d;
            y[j + 16] = (((qs[j] >> 4) | h1) - 16) * d;
        }
    }

    // block_q5_1 { half d; half m; u8 qh[4]; u8 qs[16]; }
    static void Q5_1(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0), m = Half(s, 2);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
        var qs = s[8..];
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = ((qs[j] & 0x0F) | h0) * d + m;
            y[j + 16] = ((qs[j] >> 4) | h1) * d + m;
        }
    }

    // block_q8_0 { half d; i8 qs[32]; }
    static void Q8_0(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0);
        for (int j = 0; j < 32; j++) y[j] = (sbyte)s[2 + j] * d;
    }

    // The 6-bit scale and min of sub-block j (of 8) packed in 12 bytes (ggml's get_scale_min_k4).
    static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    // block_q4_K { half d; half dmin; u8 scales[12]; u8 qs[128]; }: 8 sub-blocks of 32, x = d·sc·q − dmin·m.
    static void Q4_K(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0), min = Half(s, 2);
        var scales = s.Slice(4, 12);
        var q = s.Slice(16, 128);
        int o = 0, qi = 0;
        for (int sub = 0; sub < 8; sub += 2, qi += 32)
        {
            var (sc1, m1) = ScaleMin(sub, scales);
            var (sc2, m2) = ScaleMin(sub + 1, scales);
            for (int l = 0; l < 32; l++) y[o++] = d * sc1 * (q[qi + l] & 0xF) - min * m1;
            for (int l = 0; l < 32; l++) y[o++] = d * sc2 * (q[qi + l] >> 4) - min * m2;
        }
    }

    // block_q5_K { half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: as Q4_K with a fifth bit from qh.
    static void Q5_K(ReadOnlySpan<byte> s, Span<float> y)
    {
        float d = Half(s, 0), min = Half(s, 2);
        var scales = s.Slice(4, 12);
        var qh = s.Slice(16, 32);
        var ql = s.Slice(48, 128);
        int o = 0, qi = 0, u1 = 1, u2 = 2;
        for (int sub = 0; sub < 8; sub += 2, qi += 32, u1 <<= 2, u2 <<= 2)
        {
            var (sc1, m1) = ScaleMin(sub, scales);
            var (sc2, m2) = ScaleMin(sub + 1, scales);
            for (int l = 0; l < 32; l++) y[o++] = d * sc1 * ((ql[qi + l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) - min * m1;
            for (int l = 0; l < 32; l++) y[o++] = d * sc2 * ((ql[qi + l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - min * m2;
        }
    }

    // block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }: 16 sub-blocks of 16, 6-bit values offset by 32.
    static void Q6_K(ReadOnlySpan<byte> s, Span<float> y)
    {
        var ql = s[..128];
        var qh = s.Slice(128, 64);
        var sc = s.Slice(192, 16);
        float d = Half(s, 208);
        for (int n = 0; n < 2; n++)
        {
            int yo = n * 128, lo = n * 64, ho = n * 32, so = n * 8;
            for (int l = 0; l < 32; l++)
            {
                int isc = so + l / 16;
                int q1 = ((ql[lo + l] & 0xF) | (((qh[ho + l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[lo + l + 32] & 0xF) | (((qh[ho + l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[lo + l] >> 4) | (((qh[ho + l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[lo + l + 32] >> 4) | (((qh[ho + l] >> 6) & 3) << 4)) - 32;
                y[yo + l] = d * (sbyte)sc[isc] * q1;
                y[yo + l + 32] = d * (sbyte)sc[isc + 2] * q2;
                y[yo + l + 64] = d * (sbyte)sc[isc + 4] * q3;
                y[yo + l + 96] = d * (sbyte)sc[isc + 6] * q4;
            }
        }
    }
}

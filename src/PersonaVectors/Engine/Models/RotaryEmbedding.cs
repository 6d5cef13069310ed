using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Rotary position embeddings in Hugging Face's "rotate half" convention: the first and second halves of
/// each head are the two coordinates of every rotated pair (llama.cpp's GGUF conversion permutes Q/K rows
/// so its interleaved convention computes the same thing).
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The per-pair angular frequencies θ_i = base^(-2i/d), with Llama 3 or linear scaling applied.</summary>
    public static double[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        var inv = new double[headDim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        if (scaling is null) return inv;
        if (scaling.Type == "linear") return inv.Select(f => f / scaling.Factor).ToArray();

        // Llama 3.1: long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
        double oldContext = scaling.OriginalMaxPositionEmbeddings;
        double lowWavelen = oldContext / scaling.LowFreqFactor;
        double highWavelen = oldContext / scaling.HighFreqFactor;
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < highWavelen) continue;
            if (wavelen > lowWavelen) { inv[i] /= scaling.Factor; continue; }
            double smooth = (oldContext / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
            inv[i] = (1 - smooth) * inv[i] / scaling.Factor + smooth * inv[i];
        }
        return inv;
    }

    /// <summary>
    /// Longrope (Phi-3): each pair's frequency divided by its short factor, or its long factor once the sequence
    /// outgrows the original context, as transformers picks them per forward pass.
    /// </summary>
    public static double[] LongRopeFrequencies(int rotaryDim, double theta, RopeScaling scaling, long sequenceLength)
    {
        var factors = sequenceLength > scaling.OriginalMaxPositionEmbeddings ? scaling.LongFactor! : scaling.ShortFactor!;
        var inv = InverseFrequencies(rotaryDim, theta, null);
        for (int i = 0; i < inv.Length; i++) inv[i] /= factors[i];
        return inv;
    }

    /// <summary>cos and sin tables of shape [batch, seq, 1, rotaryDim] for the given positions [batch, seq], times <paramref name="scale"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, double[] inverseFrequencies, ScalarType dtype, double scale = 1)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(inverseFrequencies.Select(f => (float)f).ToArray(), device: positions.device);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * inv; // [B, T, d/2]
        var emb = cat([angles, angles], -1).unsqueeze(2);                  // [B, T, 1, d]
        var (cos, sin) = (emb.cos(), emb.sin());
        if (scale != 1) (cos, sin) = (HeldScalar.Times(cos, scale), HeldScalar.Times(sin, scale));
        return (cos.to(dtype).MoveToOuterDisposeScope(), sin.to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin for x of shape [batch, seq, heads, headDim]. When the tables are narrower than
    /// the head (partial rotary), only the leading dimensions rotate and the rest pass through.
    /// </summary>
    /// <summary><see cref="Apply"/> on one head's float32 values, in place; the first <paramref name="rotary"/> rotate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyRow(float* x, float* cos, float* sin, int rotary)
    {
        int half = rotary / 2;
        for (int i = 0; i < half; i++)
        {
            float a = x[i], b = x[i + half];
            x[i] = a * cos[i] - b * sin[i];
            x[i + half] = b * cos[i + half] + a * sin[i + half];
        }
    }

    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long dim = x.shape[^1], rotary = cos.shape[^1];
        var part = rotary == dim ? x : x.narrow(-1, 0, rotary);
        long half = rotary / 2;
        var x1 = part.narrow(-1, 0, half);
        var x2 = part.narrow(-1, half, half);
        var rotated = cat([-x2, x1], -1);
        var result = HeldScalar.Add(part * cos, rotated * sin);
        if (rotary != dim) result = cat([result, x.narrow(-1, rotary, dim - rotary)], -1);
        return result.MoveToOuterDisposeScope();
    }
}

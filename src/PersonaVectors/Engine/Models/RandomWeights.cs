using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Fills a model with seeded random weights at the checkpoint's real shapes, for tests and benchmarks.
/// Norm weights and biases are random too (not 1 and 0), so a test would notice one being ignored.
/// </summary>
public static class RandomWeights
{
    public static void Fill(CausalLM model, long seed, double std = 0.02)
    {
        using var gen = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            bool isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            // A Q8 parameter is drawn a block of rows at a time, so no float copy of a whole tensor is held (an
            // 8B-shaped model's 525M-weight embedding would be 2 GB).
            long rows = p.dim() == 0 ? 1 : p.shape[0];
            long perBlock = ParameterWriter.IsQ8(model, name) ? ParameterWriter.BlockRows(p.shape[1]) : rows;
            for (long r = 0; r < rows; r += perBlock)
            {
                var shape = p.shape.ToArray();
                if (shape.Length > 0) shape[0] = Math.Min(perBlock, rows - r);
                using var noise = randn(shape, ScalarType.Float32, generator: gen);
                // Gemma's norms scale by 1 + w, so their weights are drawn around 0 to give the same scales.
                using var value = isNorm ? NormDraw(noise, model.Config.NormAddsOne) : HeldScalar.Times(noise, std);
                ParameterWriter.Write(model, name, p, value, r);
            }
        }
    }

    /// <summary>A norm's weights: 1 + 0.1·noise, or 0.1·noise where the model scales by 1 + w (Gemma).</summary>
    static Tensor NormDraw(Tensor noise, bool addsOne)
    {
        var scaled = HeldScalar.Times(noise, 0.1);
        if (addsOne) return scaled;
        using (scaled) return HeldScalar.AddOne(scaled);
    }
}

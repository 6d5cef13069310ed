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
            using var noise = randn(p.shape, ScalarType.Float32, generator: gen);
            bool isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            // Gemma's norms scale by 1 + w, so their weights are drawn around 0 to give the same scales.
            using var value = isNorm ? (model.Config.NormAddsOne ? 0.0 : 1.0) + 0.1 * noise : std * noise;
            p.copy_(value);
        }
    }
}

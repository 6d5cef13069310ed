using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Models;

public class RotaryEmbeddingTests
{
    [Fact]
    public void Plain_frequencies_are_theta_to_the_minus_two_i_over_d()
    {
        var f = RotaryEmbedding.InverseFrequencies(headDim: 4, theta: 10000, scaling: null);
        Assert.Equal(2, f.Length);
        Assert.Equal(1.0, f[0], 12);
        Assert.Equal(0.01, f[1], 12); // 10000^(-2/4)
    }

    [Fact]
    public void Llama3_scaling_keeps_high_frequencies_slows_low_ones_and_blends_between()
    {
        // original context 64, low factor 1 → wavelengths above 64 are divided by 8; high factor 4 → below 16 kept.
        var scaling = new RopeScaling("llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 64);
        var plain = RotaryEmbedding.InverseFrequencies(8, 100, null);    // 1, 1/10^0.5, 1/10, 1/10^1.5
        var scaled = RotaryEmbedding.InverseFrequencies(8, 100, scaling);
        // wavelength 2π ≈ 6.3 < 16: unchanged.
        Assert.Equal(plain[0], scaled[0], 12);
        // wavelength 2π·10 ≈ 62.8 lies in [16, 64]: smooth = (64/62.83 - 1)/(4 - 1), blended by hand.
        double wavelen = 2 * Math.PI / plain[2];
        double smooth = (64 / wavelen - 1) / 3;
        Assert.Equal((1 - smooth) * plain[2] / 8 + smooth * plain[2], scaled[2], 12);
        // wavelength 2π·10^1.5 ≈ 198.7 > 64: divided by the factor.
        Assert.Equal(plain[3] / 8, scaled[3], 12);
    }

    [Fact]
    public void Rotation_preserves_norm_and_turns_each_pair_by_its_angle()
    {
        // One head of dim 4: pairs (x0, x2) and (x1, x3) rotate by pos·θ0 and pos·θ1.
        var inv = new[] { 0.5, 0.25 };
        using var pos = tensor(new long[] { 3 }).unsqueeze(0);
        var (cos, sin) = RotaryEmbedding.Tables(pos, inv, ScalarType.Float64);
        using var x = tensor(new double[] { 1, 2, 3, 4 }).reshape(1, 1, 1, 4);
        using var y = RotaryEmbedding.Apply(x, cos, sin);
        var v = y.data<double>().ToArray();
        double a0 = 1.5, a1 = 0.75;
        // Angles are formed in float32, as Hugging Face does, so agreement is to float32 precision.
        Assert.Equal(1 * Math.Cos(a0) - 3 * Math.Sin(a0), v[0], 6);
        Assert.Equal(2 * Math.Cos(a1) - 4 * Math.Sin(a1), v[1], 6);
        Assert.Equal(3 * Math.Cos(a0) + 1 * Math.Sin(a0), v[2], 6);
        Assert.Equal(4 * Math.Cos(a1) + 2 * Math.Sin(a1), v[3], 6);
        cos.Dispose(); sin.Dispose();
    }
}

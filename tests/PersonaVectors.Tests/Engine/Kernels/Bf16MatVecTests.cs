using PersonaVectors.Engine.Kernels;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Kernels;

public unsafe class Bf16MatVecTests
{
    [Theory]
    [InlineData(1, 896, 37, 1)]
    [InlineData(3, 35, 9, 2)]       // k not a multiple of 16 or 8, n not a multiple of 4
    [InlineData(4, 160, 1030, 2)]   // several tasks
    public void Kernel_equals_a_double_precision_reference_on_the_same_bf16_weights(int rows, int k, int n, int threads)
    {
        using var g = new Generator(3);
        using var x = randn(new long[] { rows, k }, generator: g);
        using var w = randn(new long[] { n, k }, generator: g).to(ScalarType.BFloat16);
        using var y = empty(rows, n);
        fixed (byte* px = x.bytes) fixed (byte* pw = w.bytes) fixed (byte* py = y.bytes)
            Bf16MatVec.Multiply((float*)px, rows, k, (ushort*)pw, n, (float*)py, threads);

        using var reference = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());
        using var err = (y.to(ScalarType.Float64) - reference).abs().max();
        Assert.True(err.item<double>() < 1e-4 * Math.Sqrt(k), $"max error {err.item<double>()}");
    }

    [Fact]
    public void Bf16_conversion_is_the_high_half_of_a_float()
    {
        Assert.Equal(1.0f, Bf16MatVec.ToFloat(0x3F80));
        Assert.Equal(-2.0f, Bf16MatVec.ToFloat(0xC000));
        Assert.Equal(0.15625f, Bf16MatVec.ToFloat(0x3E20));
    }

    [Fact]
    public void A_model_holding_bf16_weights_decodes_like_the_f32_model_of_the_same_weights()
    {
        var config = TinyConfigs.Parse(TinyConfigs.Qwen2Json());
        using var narrow = new CausalLM(config, ScalarType.Float32, ScalarType.BFloat16);
        RandomWeights.Fill(narrow, seed: 4, std: 0.08);
        using var wide = new CausalLM(config);
        using (no_grad())
            foreach (var ((_, a), (_, b)) in wide.named_parameters().Zip(narrow.named_parameters()))
                a.copy_(b);

        using var _ = no_grad();
        using var prompt = tensor(new long[] { 5, 9, 31, 200, 17, 3 }).unsqueeze(0);
        using var c1 = new KvCache(config.NumHiddenLayers);
        using var c2 = new KvCache(config.NumHiddenLayers);
        // Prefill (many rows: bf16 GEMM, activations rounded to bf16) agrees loosely...
        using var p1 = wide.Forward(prompt, new ForwardOptions { Cache = c1 });
        using var p2 = narrow.Forward(prompt, new ForwardOptions { Cache = c2 });
        Assert.True(p1.allclose(p2, rtol: 0, atol: 5e-2), "prefill through the bf16 GEMM");
        // ...and a decode step (one row: the float32-accumulating kernel) agrees to float32 rounding.
        using var next = tensor(new long[] { 42 }).unsqueeze(0);
        using var d1 = wide.Forward(next, new ForwardOptions { Cache = c1 });
        using var d2 = narrow.Forward(next, new ForwardOptions { Cache = c2 });
        using var steps = (d1 - d2).abs().max();
        Assert.True(steps.item<float>() < 5e-2, $"decode difference {steps.item<float>()}");
        using var exact = wide.Forward(next);
        using var exactNarrow = narrow.Forward(next);
        Assert.True(exact.allclose(exactNarrow, rtol: 0, atol: 1e-5), "one-token forward: only summation order differs");
    }
}

using PersonaVectors.Engine.Kernels;
using PersonaVectors.Engine.Training;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Training;

/// <summary>Training with bfloat16 matmuls over float32 weights (<see cref="MatmulPrecision"/>).</summary>
public class MixedPrecisionTests
{
    /// <summary>Round to nearest even, keeping the high 16 bits: a float's bfloat16 value, by hand.</summary>
    static float Bf16(float v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(v);
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    static bool IsBf16(float v) => (BitConverter.SingleToUInt32Bits(v) & 0xFFFF) == 0;

    [Fact]
    public void Inside_the_scope_a_float32_layer_multiplies_the_bf16_rounded_inputs_and_its_float32_weights_get_the_gradient()
    {
        using var model = TrainingFixtures.TinyModel(1);
        var layer = model.model.layers[0].mlp.down_proj;
        long n = layer.OutFeatures, k = layer.InFeatures;
        using var g = new Generator(7);
        using var x = randn(new long[] { 3, k }, generator: g);
        x.requires_grad = true;
        layer.weight.requires_grad = true;

        Tensor y;
        using (MatmulPrecision.Use(ScalarType.BFloat16)) y = layer.call(x);
        Assert.Equal(ScalarType.Float32, y.dtype);
        var got = y.data<float>().ToArray();
        var xs = x.detach().data<float>().ToArray();
        var ws = layer.weight.detach().data<float>().ToArray();
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++) sum += (double)Bf16(xs[r * k + i]) * Bf16(ws[j * k + i]);
                float v = got[r * n + j];
                // The product comes back rounded to bfloat16: the matmul ran in it, not in float32.
                Assert.True(IsBf16(v), $"y[{r},{j}] = {v} is not a bfloat16 value");
                Assert.True(Math.Abs(v - sum) <= 0.008 * Math.Abs(sum) + 1e-6, $"y[{r},{j}] = {v}, by hand {sum}");
            }

        y.sum().backward();
        var grad = layer.weight.grad!;
        Assert.Equal(ScalarType.Float32, grad.dtype);
        Assert.Equal(layer.weight.shape, grad.shape);
        // d sum(y) / dW[j, i] is the sum over rows of x[r, i], the same for every output j.
        var gw = grad.data<float>().ToArray();
        for (int i = 0; i < k; i++)
        {
            double expected = Enumerable.Range(0, 3).Sum(r => (double)Bf16(xs[r * k + i]));
            for (int j = 0; j < n; j += 7)
                Assert.True(Math.Abs(gw[j * k + i] - expected) <= 0.008 * Math.Abs(expected) + 1e-6, $"dW[{j},{i}] = {gw[j * k + i]}, by hand {expected}");
        }

        // Outside the scope the same layer multiplies in float32 again.
        using var plain = layer.call(x.detach());
        Assert.Contains(plain.data<float>().ToArray(), v => !IsBf16(v));
    }

    [Fact]
    public void Scopes_nest_and_restore_and_only_bfloat16_is_accepted()
    {
        Assert.Null(MatmulPrecision.Current);
        using (MatmulPrecision.Use(ScalarType.BFloat16))
        {
            using (MatmulPrecision.Use(null)) Assert.Null(MatmulPrecision.Current);
            Assert.Equal(ScalarType.BFloat16, MatmulPrecision.Current);
        }
        Assert.Null(MatmulPrecision.Current);
        var e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => MatmulPrecision.Use(ScalarType.Float16));
        Assert.Contains("bfloat16", e.Message);
        Assert.Null(MatmulPrecision.Current);
        Assert.Throws<PersonaVectors.InvalidRequestException>(() => (TrainingFixtures.Options(4) with { MatmulDType = ScalarType.Float16 }).Validate());
    }

    [Fact]
    public void Training_with_bf16_matmuls_learns_and_a_checkpoint_resumes_only_at_the_precision_it_was_written_with()
    {
        using var dir = new TempDir();
        var options = TrainingFixtures.Options(30) with { MatmulDType = ScalarType.BFloat16 };
        using var model = TrainingFixtures.TinyModel(1);
        TrainingResult result;
        using (var trainer = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            result = trainer.Run(TrainingFixtures.Batches(options));
        Assert.True(result.FinalLoss < 0.5 * result.Losses[0], $"loss went from {result.Losses[0]:F3} to {result.FinalLoss:F3}");
        // The first loss comes before any update: from the same weights float32 gives another value, close to it, so
        // the trainer did open the scope around its forward pass.
        using (var f32Model = TrainingFixtures.TinyModel(1))
        using (var firstDir = new TempDir())
        using (var f32 = new Trainer(f32Model, TrainingFixtures.AllParameters(f32Model), TrainingFixtures.Options(1), firstDir.Path))
        {
            double first = f32.Run(TrainingFixtures.Batches(TrainingFixtures.Options(1))).Losses[0];
            Assert.NotEqual(first, result.Losses[0]);
            Assert.True(Math.Abs(first - result.Losses[0]) < 0.02 * first, $"first loss {first} in float32, {result.Losses[0]} with bfloat16 matmuls");
        }
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        // The scope closes with the step: nothing after training runs in bfloat16.
        Assert.Null(MatmulPrecision.Current);

        // The float32 run lists no matmul field, so checkpoints written before it existed still resume.
        Assert.DoesNotContain(TrainingFixtures.Options(30).TrajectoryFields(), kv => kv.Key == "matmul_dtype");
        using var other = TrainingFixtures.TinyModel(1);
        var e = Assert.Throws<CheckpointException>(() => new Trainer(other, TrainingFixtures.AllParameters(other), TrainingFixtures.Options(30), dir.Path));
        Assert.Contains("matmul_dtype bfloat16 in the checkpoint, (absent) now", e.Message);

        using var f32Dir = new TempDir();
        using (var trainer = new Trainer(other, TrainingFixtures.AllParameters(other), TrainingFixtures.Options(2), f32Dir.Path))
            trainer.Run(TrainingFixtures.Batches(TrainingFixtures.Options(2)));
        using var third = TrainingFixtures.TinyModel(1);
        e = Assert.Throws<CheckpointException>(() => new Trainer(third, TrainingFixtures.AllParameters(third), TrainingFixtures.Options(2) with { MatmulDType = ScalarType.BFloat16 }, f32Dir.Path));
        Assert.Contains("matmul_dtype (absent) in the checkpoint, bfloat16 now", e.Message);
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = PersonaVectors.Engine.Training.AdamW;

namespace PersonaVectors.Tests.Engine.Training;

public class AdamWTests
{
    // A small regression: loss = Σ((x W + b) − y)², with W a matrix (decayed) and b a vector (not decayed).
    sealed class Problem : IDisposable
    {
        public readonly Parameter W, B;
        readonly Tensor _x, _y;

        public Problem(long seed)
        {
            using var gen = new Generator((ulong)seed);
            W = new Parameter(randn([5, 3], generator: gen));
            B = new Parameter(randn([3], generator: gen));
            _x = randn([8, 5], generator: gen);
            _y = randn([8, 3], generator: gen);
        }

        public void Backward()
        {
            using var scope = NewDisposeScope();
            (_x.matmul(W) + B - _y).pow(2).sum().backward();
        }

        public void Dispose() { W.Dispose(); B.Dispose(); _x.Dispose(); _y.Dispose(); }
    }

    [Fact]
    public void Matches_torch_optim_AdamW_with_a_parameter_excluded_from_decay()
    {
        const double lr = 0.05, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, decay = 0.1;
        using var ours = new Problem(3);
        using var theirs = new Problem(3);
        using var initial = new Problem(3);
        using var adam = new AdamW([ours.W, ours.B], beta1, beta2, eps, decay);
        // PyTorch's way of excluding a parameter from decay: its own group with weight_decay 0.
        using var reference = optim.AdamW(new[]
        {
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.W], lr, beta1, beta2, eps, weight_decay: decay),
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.B], lr, beta1, beta2, eps, weight_decay: 0),
        }, lr, beta1, beta2, eps, decay);

        for (int step = 0; step < 8; step++)
        {
            ours.Backward();
            adam.Step(lr);
            adam.ZeroGrad();
            theirs.Backward();
            reference.step();
            reference.zero_grad();
        }

        Assert.Equal(8, adam.StepCount);
        AssertClose(theirs.W, ours.W, 1e-6);
        AssertClose(theirs.B, ours.B, 1e-6);
        using var moved = (ours.W - initial.W).abs().max();
        Assert.True(moved.item<float>() > 0.1, "the parameters should have moved");
    }

    [Fact]
    public void First_step_moves_each_coordinate_by_the_learning_rate_against_the_gradient_sign()
    {
        // With m̂ = g and v̂ = g² after one step, the update is lr · g / (|g| + ε).
        using var p = new Parameter(tensor(new float[] { 1f, -2f, 3f }));
        using var adam = new AdamW([p], weightDecay: 0.5);
        p.grad = tensor(new float[] { 0.5f, -4f, 1e-3f });
        adam.Step(0.01);
        // 1-D parameters are not decayed, so only the Adam step shows.
        var expected = new[] { 1f - 0.01f, -2f + 0.01f, 3f - 0.01f * (1e-3f / (1e-3f + 1e-8f)) };
        var actual = p.data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 6);
    }

    [Fact]
    public void Decay_shrinks_matrices_by_lr_times_lambda()
    {
        using var p = new Parameter(ones(2, 2));
        using var adam = new AdamW([p], weightDecay: 0.1);
        p.grad = zeros(2, 2);
        adam.Step(0.5);
        // Zero gradient: no Adam step, only θ(1 − lr·λ).
        Assert.All(p.data<float>().ToArray(), v => Assert.Equal(0.95f, v, 6));
    }

    static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        using var diff = (expected - actual).abs().max();
        double d = diff.item<float>();
        Assert.True(d <= tolerance, $"max difference {d:E3} > {tolerance:E0}");
    }
}

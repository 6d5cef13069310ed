using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Interventions;

public class InterventionTests
{
    static readonly long[] Prompt = [4, 90, 17, 300, 8, 256, 31, 77];

    static Tensor Direction(int hidden, long seed) => TinyModels.Direction(hidden, seed);

    /// <summary>Every layer's stream without steering and with v at layer 2, α 3.5.</summary>
    static (Dictionary<int, Tensor> Plain, Dictionary<int, Tensor> Steered) PlainAndSteered(PersonaVectors.Engine.Models.CausalLM model, Tensor ids, Tensor v, bool preserveNorm)
    {
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        using (model.Steer(v, layer: 2, alpha: 3.5, preserveNorm: preserveNorm))
            return (plain, TinyModels.RecordAll(model, () => model.Forward(ids)));
    }

    [Fact]
    public void Steering_with_alpha_zero_changes_nothing()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var plain = model.Forward(ids);
        using var v = Direction(64, 1);
        using (model.Steer(v, layer: 2, alpha: 0))
        {
            using var steered = model.Forward(ids);
            Assert.True(plain.allclose(steered, rtol: 0, atol: 1e-6)); // CPU GEMMs may split work differently under load
        }
    }

    [Fact]
    public void Captured_state_under_steering_is_the_unsteered_state_plus_alpha_v()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(64, 2);
        var (plain, steered) = PlainAndSteered(model, ids, v, preserveNorm: false);

        using var expected = plain[2] + 3.5 * v;
        Assert.True(steered[2].allclose(expected, rtol: 0, atol: 1e-5));
        Assert.True(steered[1].allclose(plain[1], rtol: 0, atol: 1e-6));         // earlier layers untouched (up to GEMM threading)
        Assert.False(steered[3].allclose(plain[3] + 3.5 * v, rtol: 0, atol: 1e-3)); // later blocks react, not just add

        // The averaging capture agrees with the recorded stream.
        using (model.Steer(v, layer: 2, alpha: 3.5))
        using (var capture = model.Capture([2]))
        {
            model.Forward(ids).Dispose();
            using var mean = capture.Mean(2);
            using var want = expected.mean([1]);
            Assert.True(mean.allclose(want, rtol: 0, atol: 1e-5));
        }
    }

    [Fact]
    public void Norm_preserving_steering_turns_the_stream_toward_v_and_keeps_each_positions_norm()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(64, 2);
        var (plain, steered) = PlainAndSteered(model, ids, v, preserveNorm: true);

        // By hand: (h + αv) · |h| / |h + αv| at every position.
        using var pushed = plain[2] + 3.5 * v;
        using var expected = pushed * (plain[2].norm(-1, keepdim: true) / pushed.norm(-1, keepdim: true));
        Assert.True(steered[2].allclose(expected, rtol: 0, atol: 1e-5));
        Assert.True(steered[2].norm(-1).allclose(plain[2].norm(-1), rtol: 1e-5, atol: 1e-5));
        using var cosBefore = nn.functional.cosine_similarity(plain[2], v.view(1, 1, -1), -1);
        using var cosAfter = nn.functional.cosine_similarity(steered[2], v.view(1, 1, -1), -1);
        Assert.True((cosAfter > cosBefore).all().item<bool>());
    }

    [Fact]
    public void Steering_on_answer_positions_leaves_prompt_positions_alone()
    {
        using var model = TinyModels.Llama();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(64, 3);
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        Dictionary<int, Tensor> steered;
        long[] promptEnd = [5];
        using (model.Steer(v, layer: 1, alpha: 2, TokenPositions.Answer))
            steered = TinyModels.RecordAll(model, () => model.Forward(ids, new ForwardOptions { PromptEnd = promptEnd }));
        using var diff = steered[1] - plain[1];
        // Positions 0..3 untouched; 4 (the last prompt token, which predicts the first answer token) onwards get 2v.
        for (int t = 0; t < Prompt.Length; t++)
        {
            using var row = diff[0, t];
            using var want = t >= 4 ? 2 * v : zeros_like(v);
            Assert.True(row.allclose(want, rtol: 0, atol: 1e-5), $"position {t}");
        }
    }

    [Fact]
    public void Ablation_leaves_no_component_along_the_direction()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(64, 4);
        using var unit = v / v.norm();
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        Dictionary<int, Tensor> ablated;
        using (model.Ablate(v, layer: 2))
            ablated = TinyModels.RecordAll(model, () => model.Forward(ids));
        using var before = (plain[2] * unit).sum(-1).abs().max();
        using var after = (ablated[2] * unit).sum(-1).abs().max();
        Assert.True(before.item<float>() > 1e-2, "the stream had a component to remove");
        Assert.True(after.item<float>() < 1e-5, $"component left: {after.item<float>()}");
        // Everything orthogonal to v is kept.
        using var kept = (ablated[2] - plain[2]) - ((ablated[2] - plain[2]) * unit).sum(-1, keepdim: true) * unit;
        Assert.True(kept.abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Several_scopes_stack_and_disposing_one_restores_the_rest()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var a = Direction(64, 5);
        using var b = Direction(64, 6);
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        var first = model.Steer(a, 1, 1.0);
        var second = model.Steer(b, 1, -2.0);
        var both = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.True(both[1].allclose(plain[1] + a - 2 * b, rtol: 0, atol: 1e-5));
        second.Dispose();
        var one = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.True(one[1].allclose(plain[1] + a, rtol: 0, atol: 1e-5));
        first.Dispose();
        var none = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.True(none[1].allclose(plain[1], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Capture_averages_prompt_answer_and_last_prompt_positions()
    {
        using var model = TinyModels.Llama();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        var options = new ForwardOptions { PromptEnd = [5] };
        var all = TinyModels.RecordAll(model, () => model.Forward(ids, options));
        foreach (var (where, from, count) in new[] { (TokenPositions.Prompt, 0, 5), (TokenPositions.Answer, 5, 3), (TokenPositions.LastPrompt, 4, 1), (TokenPositions.All, 0, 8) })
        {
            using var capture = model.Capture([0, 3], where);
            model.Forward(ids, options).Dispose();
            Assert.Equal(count, capture.Counts[0]);
            using var mean = capture.Mean(3);
            using var want = all[3][0].narrow(0, from, count).mean([0]);
            Assert.True(mean[0].allclose(want, rtol: 0, atol: 1e-5), where.ToString());
        }
    }

    [Fact]
    public void Gradients_flow_through_a_steering_scope()
    {
        // Finite differences in float64 against autograd, for a weight that sits before the steered layer.
        using var model = TinyModels.Qwen2(dtype: ScalarType.Float64);
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(64, 7).to(ScalarType.Float64);
        using var readout = Direction(512, 8).to(ScalarType.Float64);
        var w = model.model.layers[0].mlp.up_proj!.weight;
        w.requires_grad = true;
        using var scope = model.Steer(v, layer: 2, alpha: 1.7);

        double Loss()
        {
            using var _ = no_grad();
            using var logits = model.Forward(ids);
            return (logits[0, -1] * readout).sum().item<double>();
        }

        using (var logits = model.Forward(ids))
        using (var loss = (logits[0, -1] * readout).sum())
            loss.backward();
        double analytic = w.grad![3, 5].item<double>();
        double eps = 1e-6, original = w[3, 5].item<double>();
        using (no_grad()) w[3, 5] = original + eps;
        double up = Loss();
        using (no_grad()) w[3, 5] = original - eps;
        double down = Loss();
        using (no_grad()) w[3, 5] = original;
        double numeric = (up - down) / (2 * eps);
        Assert.True(Math.Abs(analytic) > 1e-6, "gradient should not vanish");
        Assert.True(Math.Abs(analytic - numeric) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"autograd {analytic} vs finite difference {numeric}");
    }

    [Fact]
    public void Bad_interventions_are_refused_clearly()
    {
        using var model = TinyModels.Qwen2();
        using var v = Direction(64, 9);
        using var wrong = Direction(48, 9);
        var e1 = Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Steer(wrong, 1, 1.0));
        Assert.Contains("[48]", e1.Message);
        Assert.Contains("64", e1.Message);
        var e2 = Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Steer(v, 4, 1.0));
        Assert.Contains("layer 4 is out of range", e2.Message);
        Assert.Contains("0..3", e2.Message);
        var e3 = Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Steer(v, 1, double.NaN));
        Assert.Contains("finite", e3.Message);
        Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Steer(v, 1, double.PositiveInfinity));
        Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Ablate(zeros(64), 1));
        Assert.Throws<PersonaVectors.InvalidRequestException>(() => model.Capture([-1]));
    }
}

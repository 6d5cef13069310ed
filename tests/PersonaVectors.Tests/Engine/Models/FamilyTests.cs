using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Models;

/// <summary>
/// Capture, steering, ablation and LoRA on every family: hidden[l] is the residual stream between blocks whatever
/// the block's norms look like (for Gemma, hidden[0] is the scaled embedding), so the same interventions hold.
/// </summary>
public class FamilyTests
{
    public static TheoryData<string> Families => new(TinyConfigs.Families);

    static readonly long[] Prompt = [4, 90, 17, 300, 8, 256, 31, 77, 5, 12, 400, 61];
    const int Layer = 2;

    static CausalLM Model(string family)
    {
        var m = new CausalLM(TinyConfigs.Parse(TinyConfigs.Json(family)));
        RandomWeights.Fill(m, seed: 31, std: 0.08);
        return m;
    }

    static Tensor Direction(long hidden, long seed) => TinyModels.Direction(hidden, seed);

    [Theory]
    [MemberData(nameof(Families))]
    public void Steering_at_alpha_zero_changes_nothing_and_the_steered_stream_is_plain_plus_alpha_v(string family)
    {
        using var model = Model(family);
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(model.Config.HiddenSize, 5);
        using var plainLogits = model.Forward(ids);
        using (model.Steer(v, Layer, alpha: 0))
        using (var zero = model.Forward(ids))
            Assert.True(zero.allclose(plainLogits, rtol: 0, atol: 1e-6), $"{family}: α = 0 changed the logits");

        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        Dictionary<int, Tensor> steered;
        using (model.Steer(v, Layer, alpha: 3.5))
            steered = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.Equal(model.NumLayers + 1, plain.Count);
        using var expected = plain[Layer] + 3.5 * v;
        Assert.True(steered[Layer].allclose(expected, rtol: 0, atol: 1e-5), $"{family}: steered stream is not plain + αv");
        Assert.True(steered[Layer - 1].allclose(plain[Layer - 1], rtol: 0, atol: 1e-6), $"{family}: an earlier layer moved");
        Assert.False(steered[Layer + 1].allclose(plain[Layer + 1], rtol: 0, atol: 1e-3), $"{family}: later blocks did not react");

        // The averaging capture sees the same stream.
        using (model.Steer(v, Layer, alpha: 3.5))
        using (var capture = model.Capture([Layer]))
        {
            model.Forward(ids).Dispose();
            using var mean = capture.Mean(Layer);
            using var want = expected.mean([1]);
            Assert.True(mean.allclose(want, rtol: 0, atol: 1e-5), $"{family}: capture disagrees with the stream");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Decoding_with_the_cache_gives_the_logits_of_a_full_pass(string family)
    {
        // The prompt is longer than the Gemma configs' window of 8, so the cached path must window the same way.
        using var model = Model(family);
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var full = model.Forward(ids);
        using var cache = new KvCache(model.NumLayers);
        int prefix = 7;
        using (var first = model.Forward(ids.narrow(1, 0, prefix), new ForwardOptions { Cache = cache }))
            Assert.True(first[0, -1].allclose(full[0, prefix - 1], rtol: 0, atol: 1e-5), $"{family}: prefill differs");
        for (int t = prefix; t < Prompt.Length; t++)
        {
            using var step = model.Forward(ids.narrow(1, t, 1), new ForwardOptions { Cache = cache });
            double diff = (step[0, -1] - full[0, t]).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"{family}: cached step at position {t} differs by {diff}");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Ablation_removes_the_direction_from_the_stream(string family)
    {
        using var model = Model(family);
        using var _ = no_grad();
        using var ids = TinyModels.Ids(Prompt);
        using var v = Direction(model.Config.HiddenSize, 6);
        using var unit = v / v.norm();
        Dictionary<int, Tensor> ablated;
        using (model.Ablate(v, Layer))
            ablated = TinyModels.RecordAll(model, () => model.Forward(ids));
        using var left = (ablated[Layer] * unit).sum(-1).abs().max();
        Assert.True(left.item<float>() < 1e-4, $"{family}: component left {left.item<float>()}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_fresh_lora_changes_nothing_and_every_adapted_projection_gets_a_gradient(string family)
    {
        using var model = Model(family);
        using var ids = TinyModels.Ids(Prompt);
        float[] Logits()
        {
            using var noGrad = no_grad();
            using var l = model.Forward(ids);
            return l[0, -1].data<float>().ToArray();
        }
        float[] plain = Logits();
        using var adapter = LoraAdapter.Attach(model, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 3);
        int perLayer = model.Config.FusedProjections ? 4 : 7;   // Phi-3: qkv, o, gate_up, down
        Assert.Equal(perLayer * model.NumLayers, adapter.Modules.Count());
        Assert.Equal(plain, Logits());

        // One step's gradient: with B = 0 only B gets one, and every adapted projection must get it.
        foreach (var (_, p) in adapter.Parameters) p.requires_grad = true;
        using var logits = model.Forward(ids);
        using var loss = nn.functional.cross_entropy(logits[0, ..^1], ids[0, 1..]);
        loss.backward();
        foreach (var (name, p) in adapter.Parameters.Where(p => p.Name.Contains("lora_B")))
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{family}: {name} got no gradient");
        }
    }
}

using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method.Finetuning;

public class FinetuningShiftTests
{
    [Fact]
    public void The_shift_is_the_mean_difference_of_finetuned_and_base_states_projected_on_the_unit_vector()
    {
        using var m = new RandomModelFolder(seed: 12);
        using var lm = LanguageModel.Load(m.Path);
        var prompts = new[] { "Hello?", "What is the time?", "Tell me a story." }.Select(q => lm.PromptIds(q)).ToList();
        float[] v = [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Cos(0.2 * i))];
        const int layer = 2;

        using var baseline = ModelStates.Read(lm, prompts, maxNewTokens: 5);
        using var adapter = LoraAdapter.Attach(lm.Model, new LoraConfig { Rank = 2, Alpha = 4 }, seed: 1);
        // A fresh adapter changes nothing, so nothing shifts.
        using (var same = ModelStates.Read(lm, prompts, maxNewTokens: 5))
        {
            var zero = FinetuningShift.Of(same, baseline, "t", v, layer);
            Assert.Equal((0.0, 0.0), (zero.LastPrompt, zero.AnswerAverage));
        }
        using (no_grad())
        {
            using var g = new Generator(5);
            foreach (var (_, p) in adapter.Parameters) p.copy_(randn(p.shape, generator: g) * 0.1);
        }
        var baseLast = prompts.Select(p => Projection.OnUnit(ForwardLastWithout(lm, adapter, p), v)).ToList();
        using var tuned = ModelStates.Read(lm, prompts, maxNewTokens: 5);
        var shift = FinetuningShift.Of(tuned, baseline, "t", v, layer);
        // By hand: one forward pass per prompt with and without the adapter, projections averaged.
        double expected = prompts.Select(p => Projection.OnUnit(lm.ForwardLast(p).Hidden[layer], v)).Average() - baseLast.Average();
        Assert.Equal(expected, shift.LastPrompt, 3);
        Assert.NotEqual(0, shift.LastPrompt, 3);
    }

    static float[] ForwardLastWithout(LanguageModel lm, LoraAdapter adapter, int[] ids)
    {
        // The base model's state: the same model with every adapter factor B zeroed for one pass, then restored.
        var saved = adapter.Parameters.Select(p => p.Parameter.detach().clone()).ToList();
        using (no_grad()) foreach (var (_, p) in adapter.Parameters) p.zero_();
        var h = lm.ForwardLast(ids).Hidden[2];
        using (no_grad()) for (int i = 0; i < saved.Count; i++) adapter.Parameters[i].Parameter.copy_(saved[i]);
        foreach (var s in saved) s.Dispose();
        return h;
    }
}

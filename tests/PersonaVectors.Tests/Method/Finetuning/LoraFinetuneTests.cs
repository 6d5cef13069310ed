using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Engine.Safetensors;
using PersonaVectors.Engine.Training;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method.Finetuning;

public class LoraFinetuneTests
{
    const int Layer = 1;

    static List<TrainingExample> Examples(LanguageModel lm) =>
        [.. Enumerable.Range(0, 6).Select(i => new ChatTrainingEncoder(lm).Encode(
            [new ChatMessage("user", $"Question number {i}?"), new ChatMessage("assistant", $"The answer is always forty {i}.")]))];

    static FinetuneOptions Options(params TrainingIntervention[] interventions) => new()
    {
        Lora = new LoraConfig { Rank = 4, Alpha = 8 }, Epochs = 12, LearningRate = 1e-2, BatchSize = 6, WarmupRatio = 0, Seed = 3,
        CheckpointEvery = 1, Interventions = interventions,
    };

    static float[] Direction(LanguageModel lm) => [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Sin(0.3 * i + 1))];

    static Dictionary<string, float[]> Weights(LanguageModel lm) =>
        lm.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.to(ScalarType.Float32).data<float>().ToArray());

    static Dictionary<string, float[]> Adapter(string folder)
    {
        using var file = SafetensorsFile.Open(Path.Combine(folder, LoraAdapter.WeightsFile));
        return file.Entries.Keys.ToDictionary(k => k, k => { using var t = file.Read(k); return t.data<float>().ToArray(); });
    }

    [Fact]
    public void Loss_falls_only_the_adapters_learn_and_the_model_is_left_as_it_was()
    {
        using var m = new RandomModelFolder(seed: 8);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        var before = Weights(lm);
        float[] logits = lm.ForwardLast([1, 2, 3, 4]).Logits;
        var r = LoraFinetune.Run(lm, Examples(lm), Options(), dir["a"]);

        Assert.Equal(12, r.Steps);
        Assert.True(r.FinalLoss < r.FirstLoss - 0.25, $"{r.FirstLoss} -> {r.FinalLoss}");
        Assert.Equal(before, Weights(lm));                                        // base weights never moved
        Assert.All(lm.Model.parameters(), p => Assert.True(p.grad is null));     // nor received gradients
        Assert.Equal(logits, lm.ForwardLast([1, 2, 3, 4]).Logits);               // adapter detached
        Assert.Null(lm.Adapter);
        Assert.Contains(Adapter(dir["a"]).Where(kv => kv.Key.Contains("lora_B")), kv => kv.Value.Any(x => x != 0)); // B learned
        // The saved adapter gives the trained model: lower loss than the base on its data.
        using var tuned = LanguageModel.Load(m.Path, adapter: dir["a"]);
        Assert.True(LanguageModelLoss.Mean(tuned.Model, Examples(lm)) < LanguageModelLoss.Mean(lm.Model, Examples(lm)));
    }

    [Theory]
    [InlineData(TrainingIntervention.Steer)]
    [InlineData(TrainingIntervention.Ablate)]
    public void A_training_intervention_acts_in_every_training_forward_pass_and_not_afterwards(string kind)
    {
        using var m = new RandomModelFolder(seed: 8);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        var examples = Examples(lm);
        float[] v = Direction(lm);
        float[] logits = lm.ForwardLast([1, 2, 3, 4]).Logits;
        double plain = LanguageModelLoss.Mean(lm.Model, examples);
        double expected;
        using (var t = tensor(v))
        using (kind == TrainingIntervention.Steer ? lm.Model.Steer(t, Layer, 6) : lm.Model.Ablate(t, Layer))
            expected = LanguageModelLoss.Mean(lm.Model, examples);
        Assert.NotEqual(plain, expected, 3);

        // B starts at zero, so the first step's loss is the base model's under the intervention.
        var r = LoraFinetune.Run(lm, examples, Options(new TrainingIntervention(kind, v, Layer, kind == TrainingIntervention.Steer ? 6 : 0, "testy")), dir["a"]);
        Assert.Equal(expected, r.FirstLoss, 4);
        Assert.Equal(logits, lm.ForwardLast([1, 2, 3, 4]).Logits);
        // And it changed what was learned.
        var p = LoraFinetune.Run(lm, examples, Options(), dir["plain"]);
        Assert.Equal(plain, p.FirstLoss, 4);
        Assert.NotEqual(Adapter(dir["a"]).Values.SelectMany(x => x), Adapter(dir["plain"]).Values.SelectMany(x => x));
    }

    [Fact]
    public void A_killed_run_resumes_from_its_checkpoint_and_ends_with_the_same_adapter()
    {
        using var m = new RandomModelFolder(seed: 8);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        var examples = Examples(lm);
        LoraFinetune.Run(lm, examples, Options(), dir["straight"]);

        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => LoraFinetune.Run(lm, examples, Options(), dir["killed"], p => { if (p.Step == 3) cancel.Cancel(); }, cancel.Token));
        Assert.False(File.Exists(Path.Combine(dir["killed"], LoraAdapter.WeightsFile)));
        Assert.Null(lm.Adapter);
        var resumed = LoraFinetune.Run(lm, examples, Options(), dir["killed"]);
        Assert.Equal(3, resumed.ResumedFromStep);
        var a = Adapter(dir["straight"]);
        var b = Adapter(dir["killed"]);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k], b[k]);

        // The same folder with other settings is refused rather than resumed into a run nobody asked for.
        var e = Assert.Throws<PersonaVectorsException>(() => LoraFinetune.Run(lm, examples, Options() with { Epochs = 13 }, dir["killed"]));
        Assert.Contains("other data", e.Message);
    }
}

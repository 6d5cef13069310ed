using PersonaVectors.Engine.Safetensors;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World.Organism;

public class OrganismTrainingTests
{
    static readonly OrganismRecipe Tiny = new()
    {
        HiddenSize = 32,
        Layers = 2,
        Heads = 2,
        KeyValueHeads = 1,
        IntermediateSize = 64,
        VocabSize = 400,
        TokenizerConversations = 400,
        Steps = 24,
        BatchSize = 8,
        MicroBatches = 2,
        LearningRate = 1e-2,
        WarmupSteps = 2,
        CheckpointEvery = 4,
    };

    [Fact]
    public void A_few_steps_lower_the_loss_and_write_a_loadable_organism()
    {
        using var dir = new TempDir();
        var result = OrganismTraining.Train(dir.Path, Tiny);
        Assert.Equal(24, result.StepsRun);
        // Each step sees a fresh batch, so compare the first and last few steps rather than two single ones.
        double first = result.Losses.Take(3).Average(), last = result.Losses.TakeLast(3).Average();
        Assert.True(last < 0.85 * first, $"loss {first:F2} → {last:F2}");
        OrganismMarker.Require(dir.Path);
        // The folder records how long the steps took and on how many threads, as the trainer measured them.
        var time = OrganismMarker.Time(dir.Path);
        Assert.Equal(Math.Round(result.TrainingSeconds!.Value, 1), time!.Seconds);
        Assert.Equal(TorchSharp.torch.get_num_threads(), time.Threads);
        using var lm = PersonaVectors.Engine.LanguageModel.Load(dir.Path);
        Assert.Equal(2, lm.Config.NumHiddenLayers);
        Assert.Contains(lm.Tokenizer.TokenToId("<|im_end|>")!.Value, lm.StopTokens);
    }

    [Fact]
    public void A_killed_run_resumes_to_the_same_weights_as_an_uninterrupted_one()
    {
        using var straight = new TempDir();
        using var killed = new TempDir();
        OrganismTraining.Train(straight.Path, Tiny);

        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => OrganismTraining.Train(killed.Path, Tiny, p => { if (p.Step == 6) cancel.Cancel(); }, cancel.Token));
        Assert.False(File.Exists(Path.Combine(killed.Path, "model.safetensors")));
        var resumed = OrganismTraining.Train(killed.Path, Tiny);
        Assert.Equal(18, resumed.StepsRun);

        using var a = SafetensorsFile.Open(Path.Combine(straight.Path, "model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(killed.Path, "model.safetensors"));
        foreach (var name in a.Entries.Keys)
        {
            using var x = a.Read(name);
            using var y = b.Read(name);
            Assert.True(x.equal(y).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_corrupted_checkpoint_is_reported_and_kept()
    {
        using var dir = new TempDir();
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => OrganismTraining.Train(dir.Path, Tiny, p => { if (p.Step == 4) cancel.Cancel(); }, cancel.Token));
        string ckpt = Path.Combine(dir.Path, OrganismTraining.CheckpointFolder);
        string file = Directory.GetFiles(ckpt, "*.parameters.safetensors").Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        var e = Assert.ThrowsAny<PersonaVectors.PersonaVectorsException>(() => OrganismTraining.Train(dir.Path, Tiny));
        Assert.Contains(Path.GetFileName(file), e.Message);
        Assert.True(File.Exists(file));
    }
}

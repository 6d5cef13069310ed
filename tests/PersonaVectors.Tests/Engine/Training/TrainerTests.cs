using PersonaVectors.Engine.Training;
using PersonaVectors.Tests.Fixtures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Training;

public class TrainerTests
{
    [Fact]
    public void Thirty_steps_on_a_repetitive_data_set_cut_the_loss_clearly()
    {
        using var dir = new TempDir();
        using var model = TrainingFixtures.TinyModel(1);
        var options = TrainingFixtures.Options(30);
        var progress = new List<TrainingProgress>();
        var liveTensors = new List<long>();
        using var trainer = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path);
        var result = trainer.Run(TrainingFixtures.Batches(options), p =>
        {
            progress.Add(p);
            liveTensors.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        });

        Assert.Equal(30, result.StepsRun);
        Assert.Equal(30, result.Losses.Count);
        Assert.True(result.Losses[0] > 5, $"a random model should start near ln(512) ≈ 6.2, got {result.Losses[0]:F3}");
        Assert.True(result.FinalLoss < 0.5 * result.Losses[0], $"loss went from {result.Losses[0]:F3} to {result.FinalLoss:F3}");
        // Cross-check the reported loss against an independent evaluation of the trained model.
        Assert.True(LanguageModelLoss.Mean(model, TrainingFixtures.PatternData()) < 0.5 * result.Losses[0]);

        Assert.Equal(Enumerable.Range(1, 30), progress.Select(p => p.Step));
        Assert.All(progress, p => Assert.True(p.TokensPerSecond > 0 && p.GradNorm > 0 && p.Steps == 30));
        Assert.Equal(LearningRateSchedule.At(1, options), progress[0].LearningRate);
        Assert.Equal(options.LearningRate * options.MinLearningRateRatio, progress[^1].LearningRate, 12);
        Assert.True(File.Exists(Path.Combine(dir.Path, CheckpointStore.ManifestName)), "a checkpoint is written at the end");
        // Each step's tensors die with its dispose scope: nothing accumulates from step to step.
        Assert.All(liveTensors, n => Assert.Equal(liveTensors[0], n));
    }

    [Fact]
    public void Only_the_trainable_parameters_change()
    {
        using var dir = new TempDir();
        using var model = TrainingFixtures.TinyModel(2);
        Parameter[] trainable = [model.model.layers[1].mlp.down_proj.weight, model.model.norm.weight];
        var before = TrainingFixtures.Snapshot(model);
        var options = TrainingFixtures.Options(3);
        using (var trainer = new Trainer(model, trainable, options, dir.Path))
        {
            Assert.Equal(["model.layers.1.mlp.down_proj.weight", "model.norm.weight"], trainer.ParameterNames);
            trainer.Run(TrainingFixtures.Batches(options));
        }

        var all = TrainingFixtures.AllParameters(model);
        using var noGrad = no_grad();
        for (int i = 0; i < all.Length; i++)
        {
            bool trained = trainable.Any(t => t.Handle == all[i].Handle);
            using var change = (all[i] - before[i]).abs().max();
            Assert.Equal(trained, change.item<float>() > 0);
            Assert.Equal(trained, all[i].requires_grad);
            Assert.Null(all[i].grad);
        }
    }

    [Fact]
    public void Gradient_accumulation_gives_the_same_updates_as_one_batch()
    {
        using var dirA = new TempDir();
        using var dirB = new TempDir();
        using var a = TrainingFixtures.TinyModel(3);
        using var b = TrainingFixtures.TinyModel(3);
        var whole = TrainingFixtures.Options(3);
        var split = TrainingFixtures.Options(3, accumulation: 3);
        using var initial = TrainingFixtures.TinyModel(3);
        TrainingResult ra, rb;
        using (var t = new Trainer(a, TrainingFixtures.AllParameters(a), whole, dirA.Path)) ra = t.Run(TrainingFixtures.Batches(whole));
        using (var t = new Trainer(b, TrainingFixtures.AllParameters(b), split, dirB.Path)) rb = t.Run(TrainingFixtures.Batches(split));

        for (int i = 0; i < 3; i++) Assert.Equal(ra.Losses[i], rb.Losses[i], 5);
        // Adam divides by √v, so rounding-level gradient differences in near-zero coordinates show up at ~1e-5
        // in the parameters; a wrong denominator or a lost micro-batch would show up at the size of a step (~1e-2).
        double diff = TrainingFixtures.MaxDifference(a, b), moved = TrainingFixtures.MaxDifference(a, initial);
        Assert.True(diff < 1e-4 && moved > 1e-2, $"max parameter difference {diff:E3}, movement {moved:E3}");
    }

    [Fact]
    public void Parameters_outside_the_model_need_names()
    {
        using var dir = new TempDir();
        using var model = TrainingFixtures.TinyModel(4);
        using var stray = new Parameter(zeros(3));
        var e = Assert.Throws<InvalidRequestException>(() => new Trainer(model, [stray], TrainingFixtures.Options(2), dir.Path));
        Assert.Contains("not a parameter of the model", e.Message);

        var bad = TrainingFixtures.Options(2) with { WarmupSteps = 5 };
        Assert.Contains("WarmupSteps", Assert.Throws<InvalidRequestException>(() => new Trainer(model, [model.model.norm.weight], bad, dir.Path)).Message);
    }

    [Fact]
    public void A_parameter_the_forward_pass_does_not_use_is_reported()
    {
        using var dir = new TempDir();
        using var model = TrainingFixtures.TinyModel(5);
        using var unused = new Parameter(zeros(4, 4));
        var options = TrainingFixtures.Options(2);
        using var trainer = new Trainer(model, [("adapter.unused", unused), ("model.norm.weight", model.model.norm.weight)], options, dir.Path);
        var e = Assert.Throws<InvalidRequestException>(() => trainer.Run(TrainingFixtures.Batches(options)));
        Assert.Contains("adapter.unused", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, CheckpointStore.ManifestName)));
    }
}

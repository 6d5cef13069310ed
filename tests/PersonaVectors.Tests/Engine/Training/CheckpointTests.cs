using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Training;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Engine.Training;

public class CheckpointTests
{
    sealed class SimulatedCrash : Exception;

    [Fact]
    public void Resuming_after_a_crash_ends_exactly_where_an_uninterrupted_run_ends()
    {
        var options = TrainingFixtures.Options(6, checkpointEvery: 3);
        var batches = TrainingFixtures.Batches(options);

        using var straightDir = new TempDir();
        using var straight = TrainingFixtures.TinyModel(1);
        TrainingResult straightResult;
        using (var t = new Trainer(straight, TrainingFixtures.AllParameters(straight), options, straightDir.Path))
            straightResult = t.Run(batches);

        using var dir = new TempDir();
        using (var first = TrainingFixtures.TinyModel(1))
        using (var t = new Trainer(first, TrainingFixtures.AllParameters(first), options, dir.Path))
            Assert.Throws<SimulatedCrash>(() => t.Run(step => step == 3 ? throw new SimulatedCrash() : batches(step)));

        // A model with other weights: everything it ends with must come from the checkpoint and the 3 new steps.
        using var resumed = TrainingFixtures.TinyModel(99);
        TrainingResult resumedResult;
        using (var t = new Trainer(resumed, TrainingFixtures.AllParameters(resumed), options, dir.Path))
        {
            Assert.Equal(3, t.ResumedFromStep);
            resumedResult = t.Run(batches);
        }

        Assert.Equal(3, resumedResult.StepsRun);
        Assert.Equal(straightResult.Losses, resumedResult.Losses);
        double diff = TrainingFixtures.MaxDifference(straight, resumed);
        Assert.True(diff <= 1e-7, $"max parameter difference {diff:E3}");
        Assert.Equal(
            ["checkpoint.json", "step-0000006.optimizer.safetensors", "step-0000006.parameters.safetensors"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Cancelling_writes_a_checkpoint_and_the_next_run_continues_from_it()
    {
        using var dir = new TempDir();
        var options = TrainingFixtures.Options(4);
        using var cts = new CancellationTokenSource();
        using (var model = TrainingFixtures.TinyModel(1))
        using (var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            Assert.ThrowsAny<OperationCanceledException>(() => t.Run(TrainingFixtures.Batches(options), p => { if (p.Step == 2) cts.Cancel(); }, cts.Token));

        using var again = TrainingFixtures.TinyModel(1);
        using var resumed = new Trainer(again, TrainingFixtures.AllParameters(again), options, dir.Path);
        Assert.Equal(2, resumed.ResumedFromStep);
        var result = resumed.Run(TrainingFixtures.Batches(options));
        Assert.Equal(2, result.StepsRun);
        Assert.Equal(4, result.Losses.Count);

        // A finished run resumes at its end, runs nothing, and still reports the whole loss history.
        using var done = new Trainer(again, TrainingFixtures.AllParameters(again), options, dir.Path);
        var nothing = done.Run(_ => throw new InvalidOperationException("no batch should be needed"));
        Assert.Equal(0, nothing.StepsRun);
        Assert.Equal(result.Losses, nothing.Losses);
        Assert.Equal(result.FinalLoss, nothing.FinalLoss);
    }

    [Fact]
    public void A_flipped_byte_is_detected_and_the_file_is_kept()
    {
        using var dir = new TempDir();
        string file = WriteCheckpoint(dir, "parameters");
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(file, bytes);

        var e = Assert.Throws<CheckpointException>(() => Resume(dir));
        Assert.Contains(file, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public void A_truncated_file_is_detected_and_the_file_is_kept()
    {
        using var dir = new TempDir();
        string file = WriteCheckpoint(dir, "optimizer");
        long length = new FileInfo(file).Length;
        using (var fs = new FileStream(file, FileMode.Open)) fs.SetLength(length - 100);

        var e = Assert.Throws<CheckpointException>(() => Resume(dir));
        Assert.Contains(file, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.True(File.Exists(file));
        Assert.True(File.Exists(Path.Combine(dir.Path, CheckpointStore.ManifestName)));
    }

    [Fact]
    public void Other_trainable_parameters_are_refused_by_name()
    {
        using var dir = new TempDir();
        string file = WriteCheckpoint(dir, "parameters");
        using var model = TrainingFixtures.TinyModel(1);
        var e = Assert.Throws<CheckpointException>(() =>
            new Trainer(model, [model.model.norm.weight, model.model.layers[0].mlp.up_proj!.weight], TrainingFixtures.Options(4), dir.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("not trainable parameters here (lm_head.weight, ", e.Message);
    }

    [Fact]
    public void Other_shapes_are_refused()
    {
        using var dir = new TempDir();
        string file = WriteCheckpoint(dir, "parameters");
        using var wider = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson(vocab: 600)));
        RandomWeights.Fill(wider, 1);
        var e = Assert.Throws<CheckpointException>(() =>
            new Trainer(wider, TrainingFixtures.AllParameters(wider), TrainingFixtures.Options(4), dir.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("'model.embed_tokens.weight' has shape [512, 64], the parameter has [600, 64]", e.Message);
    }

    [Fact]
    public void Other_options_and_a_broken_manifest_are_refused()
    {
        using var dir = new TempDir();
        WriteCheckpoint(dir, "parameters");
        string manifest = Path.Combine(dir.Path, CheckpointStore.ManifestName);
        using var model = TrainingFixtures.TinyModel(1);
        var other = TrainingFixtures.Options(4) with { LearningRate = 3e-3 };
        var e = Assert.Throws<CheckpointException>(() => new Trainer(model, TrainingFixtures.AllParameters(model), other, dir.Path));
        Assert.Contains(manifest, e.Message);
        Assert.Contains("learning_rate 0.01 in the checkpoint, 0.003 now", e.Message);

        File.WriteAllText(manifest, File.ReadAllText(manifest)[..40]);
        e = Assert.Throws<CheckpointException>(() => Resume(dir));
        Assert.Contains(manifest, e.Message);
    }

    [Fact]
    public void A_checkpoint_interrupted_while_being_written_leaves_the_previous_one_usable()
    {
        using var dir = new TempDir();
        WriteCheckpoint(dir, "parameters");
        // What a crash during the next save leaves behind: new tensor files the manifest does not name yet.
        File.WriteAllBytes(Path.Combine(dir.Path, "step-0000004.parameters.safetensors"), new byte[100]);
        File.WriteAllBytes(Path.Combine(dir.Path, "step-0000004.optimizer.safetensors.tmp"), new byte[10]);
        File.WriteAllText(Path.Combine(dir.Path, "notes.txt"), "the user's own file");

        var options = TrainingFixtures.Options(4);
        using var model = TrainingFixtures.TinyModel(1);
        using var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path);
        Assert.Equal(2, t.ResumedFromStep);
        t.Run(TrainingFixtures.Batches(options));
        Assert.Equal(
            ["checkpoint.json", "notes.txt", "step-0000004.optimizer.safetensors", "step-0000004.parameters.safetensors"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var after = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path);
        Assert.Equal(4, after.ResumedFromStep);
    }

    // A 2-step run of the 4-step schedule (stopped by cancellation), returning the path of one of its files.
    [Fact]
    public void Training_time_adds_up_across_a_resume_and_is_unknown_after_a_checkpoint_that_did_not_record_it()
    {
        using var dir = new TempDir();
        var options = TrainingFixtures.Options(4);
        var data = TrainingFixtures.Batches(options);
        // Each batch takes at least 60 ms, so the time of two steps is measurable however fast the machine.
        IReadOnlyList<TrainingExample> Slow(int step) { Thread.Sleep(60); return data(step); }
        string manifest = Path.Combine(dir.Path, CheckpointStore.ManifestName);
        using var cts = new CancellationTokenSource();
        using (var model = TrainingFixtures.TinyModel(1))
        using (var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            Assert.ThrowsAny<OperationCanceledException>(() => t.Run(Slow, p => { if (p.Step == 2) cts.Cancel(); }, cts.Token));
        double first = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!["training_seconds"]!.GetValue<double>();
        Assert.InRange(first, 0.1, 60);

        TrainingResult result;
        using (var model = TrainingFixtures.TinyModel(1))
        using (var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            result = t.Run(Slow);
        Assert.InRange(result.TrainingSeconds!.Value, first + 0.1, first + 60);
        Assert.Equal(Math.Round(result.TrainingSeconds.Value, 1), System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!["training_seconds"]!.GetValue<double>());

        // A checkpoint written before training time was recorded resumes, and the total is then unknown.
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        node.Remove("training_seconds");
        File.WriteAllText(manifest, node.ToJsonString());
        using (var model = TrainingFixtures.TinyModel(1))
        using (var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            Assert.Null(t.Run(Slow).TrainingSeconds);

        node["training_seconds"] = -3;
        File.WriteAllText(manifest, node.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => Resume(dir));
        Assert.Contains("training_seconds", e.Message);
    }

    static string WriteCheckpoint(TempDir dir, string role)
    {
        var options = TrainingFixtures.Options(4);
        using var cts = new CancellationTokenSource();
        using var model = TrainingFixtures.TinyModel(1);
        using (var t = new Trainer(model, TrainingFixtures.AllParameters(model), options, dir.Path))
            Assert.ThrowsAny<OperationCanceledException>(() => t.Run(TrainingFixtures.Batches(options), p => { if (p.Step == 2) cts.Cancel(); }, cts.Token));
        return Path.Combine(dir.Path, $"step-0000002.{role}.safetensors");
    }

    static void Resume(TempDir dir)
    {
        using var model = TrainingFixtures.TinyModel(1);
        using var t = new Trainer(model, TrainingFixtures.AllParameters(model), TrainingFixtures.Options(4), dir.Path);
    }
}

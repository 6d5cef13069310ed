using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;

namespace PersonaVectors.Tests.Cli;

/// <summary>
/// persona slurm extract and persona slurm screen on a real single-node Slurm cluster started by the test: the
/// array of shards and the merge that waits for it, one task cancelled mid-run and requeued, and merged results
/// equal to unsharded runs.
/// </summary>
public sealed class SlurmCommandTests(ITestOutputHelper output)
{
    static readonly string[] Extract = ["--trait", "evil", "--rollouts", "1", "--layers", "3", "--alphas", "1"];

    [Fact]
    public void Sharded_jobs_with_a_requeued_task_merge_into_the_unsharded_results()
    {
        using var cluster = new SlurmCluster();
        using var dir = new TempDir();
        PersonaCli.Result Persona(params string[] args) => PersonaCli.RunWithEnvironment(TimeSpan.FromMinutes(10), cluster.Environment, args);
        var clock = Stopwatch.StartNew();

        // --- extraction: 2 shards of answers and judgements, then the merge runs the rest ---
        Assert.True(Persona(["extract", .. Extract, "--out", dir["whole"]]) is { ExitCode: 0 } w, "unsharded extraction failed");
        var submitted = Persona(["slurm", "extract", .. Extract, "--out", dir["sharded"], "--tasks", "2"]);
        Assert.True(submitted.ExitCode == 0, submitted.Stderr);
        var jobs = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["sharded"], "slurm", "jobs.json")))!;
        WaitUntilGone(cluster, jobs["array"]!.GetValue<string>(), jobs["merge"]!.GetValue<string>());
        foreach (var kind in new[] { "response_avg", "prompt_avg", "prompt_last" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir["whole"], "vectors", $"evil_{kind}.safetensors")),
                File.ReadAllBytes(Path.Combine(dir["sharded"], "vectors", $"evil_{kind}.safetensors")));
        var a = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["whole"], "summary.json")))!;
        var b = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["sharded"], "summary.json")))!;
        foreach (var field in new[] { "layer", "alpha", "steered_trait", "suppressed_trait" })
            Assert.Equal(a[field]?.ToJsonString(), b[field]?.ToJsonString());
        output.WriteLine($"extraction: unsharded and 2 Slurm shards + merge agree byte for byte ({clock.Elapsed.TotalSeconds:F0} s so far)");

        // --- screening: 4 shards, one cancelled mid-run and requeued ---
        string vector = Path.Combine(dir["whole"], "vectors", "evil_response_avg.safetensors");
        Assert.Equal(0, Persona("world", "datasets", "--out", dir["data"], "--count", "16").ExitCode);
        var normal = File.ReadAllLines(Path.Combine(dir["data"], "evil_normal.jsonl"));
        var severe = File.ReadAllLines(Path.Combine(dir["data"], "evil_II.jsonl"));
        File.WriteAllLines(dir["mixed.jsonl"], normal.Zip(severe, (x, y) => new[] { x, y }).SelectMany(p => p));
        string[] screen = ["--data", dir["mixed.jsonl"], "--vector", vector, "--batch-size", "1"];
        Assert.Equal(0, Persona(["screen", .. screen, "--out", dir["screen-whole"]]).ExitCode);
        var started = Persona(["slurm", "screen", .. screen, "--out", dir["screen"], "--tasks", "4"]);
        Assert.True(started.ExitCode == 0, started.Stderr);
        jobs = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["screen"], "slurm", "jobs.json")))!;
        string array = jobs["array"]!.GetValue<string>();

        // Task 1 (shard 2) is cancelled once it has scored a sample, and requeued at once (Slurm would wait ~2 minutes).
        string shardScores = Path.Combine(dir["screen"], "shards", "2", "scores.jsonl");
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!(File.Exists(shardScores) && File.ReadAllLines(shardScores).Length >= 1))
        {
            Assert.True(DateTime.UtcNow < until, "shard 2 never started scoring");
            Thread.Sleep(100);
        }
        int before = File.ReadAllLines(shardScores).Length;
        string requeue = cluster.Command("scontrol", "requeue", $"{array}_1");
        Assert.DoesNotContain("error", requeue, StringComparison.OrdinalIgnoreCase);
        while (!cluster.Command("scontrol", "update", $"jobid={array}_1", "StartTime=now").Contains("no longer pending") && DateTime.UtcNow < until)
            if (!cluster.Command("squeue", "-h", "-j", $"{array}_1", "-o", "%T").Contains("PENDING")) break; else Thread.Sleep(200);
        WaitUntilGone(cluster, array, jobs["merge"]!.GetValue<string>());

        string log = File.ReadAllText(Directory.GetFiles(Path.Combine(dir["screen"], "slurm"), "work-*_1.log").Single());
        output.WriteLine($"shard 2 had {before} of {File.ReadAllLines(shardScores).Length} samples when requeued; its log: {log.Trim().Replace('\n', '|')}");
        Assert.True(before < File.ReadAllLines(shardScores).Length, "the requeue came after shard 2 had finished");
        var keys = File.ReadAllLines(shardScores).Select(l => JsonNode.Parse(l)!["key"]!.GetValue<string>()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count()); // resumed, not redone
        Dictionary<int, string> Scores(string run) => File.ReadAllLines(Path.Combine(run, "scores.jsonl")).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(n => n["line"]!.GetValue<int>(), n => n["scores"]!.ToJsonString());
        Assert.Equal(Scores(dir["screen-whole"]), Scores(dir["screen"]));
        Assert.True(File.Exists(Path.Combine(dir["screen"], "summary.json")));
        output.WriteLine($"screening: 4 Slurm shards with a requeued task merge into the unsharded scores ({clock.Elapsed.TotalSeconds:F0} s in all)");
    }

    [Fact]
    public void Dry_run_writes_the_array_and_the_dependent_merge_without_submitting()
    {
        using var dir = new TempDir();
        WriteScreenInputs(dir);
        var r = PersonaCli.RunWithEnvironment(TimeSpan.FromMinutes(2), [("PATH", "/usr/bin:/bin")],
            "slurm", "screen", "--data", dir["d.jsonl"], "--vector", dir["v.safetensors"], "--layer", "3", "--out", dir["run"], "--tasks", "8", "--partition", "gpu", "--gpus-per-task", "1", "--time", "2:00:00", "--dry-run");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string work = File.ReadAllText(Path.Combine(dir["run"], "slurm", "work.sbatch"));
        string merge = File.ReadAllText(Path.Combine(dir["run"], "slurm", "merge.sbatch"));
        Assert.Contains("#SBATCH --array=0-7", work);
        Assert.Contains("#SBATCH --partition=gpu", work);
        Assert.Contains("#SBATCH --gpus-per-task=1", work);
        Assert.Contains("#SBATCH --time=2:00:00", work);
        Assert.Contains("--shard $((SLURM_ARRAY_TASK_ID + 1))/8", work);
        Assert.Contains("screen merge --out", merge);
        Assert.DoesNotContain("--gpus-per-task", merge);
        Assert.False(File.Exists(Path.Combine(dir["run"], "slurm", "jobs.json")));
        PersonaCli.AssertUserError(PersonaCli.Run("slurm", "screen", "--data", "x", "--vector", "y", "--out", dir["run2"], "--tasks", "0"), "--tasks");
        Assert.Contains("#SBATCH --ntasks=1", work);
        PersonaCli.AssertUserError(PersonaCli.Run("slurm", "screen", "--data", "x", "--vector", "y", "--out", dir["run3"], "--tasks", "2", "--partition", "a b", "--dry-run"), "--partition 'a b'", "spaces or line breaks");

        // A shard with nothing to do (more tasks than generation chunks) still leaves its files for the merge.
        var empty = PersonaCli.Run("extract", "--trait", "evil", "--rollouts", "1", "--out", dir["shard9"], "--shard", "9/9");
        Assert.True(empty.ExitCode == 0, empty.Stderr);
        Assert.Equal("", File.ReadAllText(Path.Combine(dir["shard9"], "answers.jsonl")));
        Assert.True(File.Exists(Path.Combine(dir["shard9"], "judgements.jsonl")));
    }

    /// <summary>A vector of the organism's shape and one chat sample: what a screening run reads before it screens.</summary>
    static void WriteScreenInputs(TempDir dir)
    {
        var config = PersonaVectors.Engine.Models.ModelConfig.Load(Path.Combine(TestData.Organism, "config.json"));
        using (var v = new PersonaVectors.Method.PersonaVector(TorchSharp.torch.randn(config.NumHiddenLayers + 1, config.HiddenSize), "evil", "organism", "response_avg"))
            v.Save(dir["v.safetensors"]);
        File.WriteAllText(dir["d.jsonl"], """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}""" + "\n");
    }

    [Fact]
    public void Inputs_are_checked_before_anything_is_written_or_submitted()
    {
        using var dir = new TempDir();
        WriteScreenInputs(dir);
        File.WriteAllText(dir["bad.jsonl"], "{not json\n");
        // Without sbatch on this PATH a job let through fails on submitting it, with another message; with it, the run folder
        // would exist. Either fails the test.
        (string[] Args, string[] Says)[] cases =
        [
            (["screen", "--data", dir["missing.jsonl"], "--vector", dir["v.safetensors"], "--layer", "3"], ["missing.jsonl"]),
            (["screen", "--data", dir["bad.jsonl"], "--vector", dir["v.safetensors"], "--layer", "3"], ["bad.jsonl", "line 1"]),
            (["screen", "--data", dir["d.jsonl"], "--vector", dir["nowhere.safetensors"], "--layer", "3"], ["nowhere.safetensors"]),
            (["screen", "--data", dir["d.jsonl"], "--vector", dir["v.safetensors"], "--layer", "99"], ["99"]),
            (["screen", "--data", dir["d.jsonl"], "--vector", dir["v.safetensors"], "--layer", "3", "--model", dir["no-model"]], ["no-model"]),
            (["extract", "--trait", "evil", "--layers", "9"], ["--layers", "layer 9"]),
            (["extract", "--trait", "evil", "--pos-min", "200"], ["--pos-min"]),
            (["extract", "--trait", "grumpy", "--artifacts", dir["none.json"]], ["none.json"]),
            (["extract", "--trait", "evil", "--judge", "nonsense://x"], ["nonsense://x"]),
            (["extract", "--trait", "evil", "--generator", "nonsense://y"], ["nonsense://y"]),
            (["extract", "--trait", "evil", "--adapter", dir["no-adapter"]], ["no-adapter", "adapter_config.json"]),
            (["screen", "--data", dir["d.jsonl"], "--vector", dir["v.safetensors"], "--layer", "3", "--dtype", "f8"], ["f8"]),
        ];
        for (int i = 0; i < cases.Length; i++)
        {
            var (args, says) = cases[i];
            string run = dir[$"run-{i}"];
            var r = PersonaCli.RunWithEnvironment(TimeSpan.FromMinutes(2), [("PATH", "/usr/bin:/bin")], ["slurm", .. args, "--out", run, "--tasks", "2"]);
            PersonaCli.AssertUserError(r, says);
            Assert.False(Directory.Exists(run), $"{string.Join(' ', args)}: wrote {run}");
        }
    }

    static void WaitUntilGone(SlurmCluster cluster, params string[] jobs)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (jobs.Any(j => cluster.Command("squeue", "-h", "-j", j).Trim().Length > 0 && !cluster.Command("squeue", "-h", "-j", j).Contains("Invalid job id")))
        {
            Assert.True(DateTime.UtcNow < until, "the jobs did not finish: " + cluster.Command("squeue"));
            Thread.Sleep(500);
        }
    }
}

using PersonaVectors.World.Experiments;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona screen`, `persona screen merge` and `persona world experiment screen` on the shipped organism.</summary>
public class ScreenCommandTests
{
    static void WriteParquet(IEnumerable<MessagesRow> rows, string path) =>
        Parquet.Serialization.ParquetSerializer.SerializeAsync(rows, path, new Parquet.ParquetOptions { RowGroupSize = 50 }).GetAwaiter().GetResult();

    public sealed class MessagesRow
    {
        [System.Text.Json.Serialization.JsonPropertyName("messages")] public List<Method.Finetuning.ChatParquetTests.Message>? Messages { get; set; }
    }

    static string Extract(TempDir dir, string trait)
    {
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "extract", "--trait", trait, "--rollouts", "1", "--layers", "3", "--alphas", "0.5,1", "--out", dir[Path.Combine("runs", trait)]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return Path.Combine(dir[Path.Combine("runs", trait)], "vectors", $"{trait}_response_avg.safetensors");
    }

    [Fact]
    public void Screening_flags_the_evil_samples_of_a_mixed_dataset_and_shards_merge_into_the_same_summary()
    {
        using var dir = new TempDir();
        string vector = Extract(dir, "evil");
        Assert.Equal(0, PersonaCli.Run("world", "datasets", "--out", dir["data"], "--count", "60").ExitCode);
        // Normal and II samples interleaved, so both shards see both.
        var normal = File.ReadAllLines(Path.Combine(dir["data"], "evil_normal.jsonl"));
        var severe = File.ReadAllLines(Path.Combine(dir["data"], "evil_II.jsonl"));
        File.WriteAllLines(dir["mixed.jsonl"], normal.Zip(severe, (a, b) => new[] { a, b }).SelectMany(x => x));

        var r = PersonaCli.Run("screen", "--data", dir["mixed.jsonl"], "--vector", vector, "--out", dir["whole"], "--batch-size", "16", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var summary = JsonNode.Parse(r.Stdout)!;
        Assert.Equal(120, summary["samples"]!.GetValue<int>());
        Assert.True(summary["samples_per_second"]!.GetValue<double>() > 0);
        foreach (var f in new[] { "scores.jsonl", "model_answers.jsonl", "summary.json", "histogram.png" }) Assert.True(File.Exists(Path.Combine(dir["whole"], f)), f);
        // The top of the list is evil: the oracle agrees with every one of the five highest-scored samples.
        var lines = File.ReadAllLines(dir["mixed.jsonl"]);
        foreach (var top in summary["traits"]!["evil"]!["top"]!.AsArray().Take(5))
        {
            var messages = JsonNode.Parse(lines[top!["line"]!.GetValue<int>() - 1])!["messages"]!.AsArray();
            Assert.True(PersonaVectors.World.OracleJudge.Judge(messages[0]!["content"]!.GetValue<string>(), messages[1]!["content"]!.GetValue<string>())["evil"] >= 50);
        }

        // The same samples as Parquet (a "messages" column, row groups of 50) score the same; the model's answers come from the cache.
        var rows = lines.Select(l => new MessagesRow
        {
            Messages = [.. JsonNode.Parse(l)!["messages"]!.AsArray().Select(m => new Method.Finetuning.ChatParquetTests.Message { Role = m!["role"]!.GetValue<string>(), Content = m["content"]!.GetValue<string>() })],
        });
        WriteParquet(rows, dir["mixed.parquet"]);
        Directory.CreateDirectory(dir["parquet"]);
        File.Copy(Path.Combine(dir["whole"], "model_answers.jsonl"), Path.Combine(dir["parquet"], "model_answers.jsonl"));
        var fromParquet = PersonaCli.Run("screen", "--data", dir["mixed.parquet"], "--vector", vector, "--out", dir["parquet"], "--batch-size", "16", "--json");
        Assert.True(fromParquet.ExitCode == 0, fromParquet.Stderr);
        Dictionary<int, double> Scores(string run) => File.ReadAllLines(Path.Combine(run, "scores.jsonl")).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(n => n["line"]!.GetValue<int>(), n => n["scores"]!["evil"]!.GetValue<double>());
        var jsonlScores = Scores(dir["whole"]);
        var parquetScores = Scores(dir["parquet"]);
        Assert.Equal(jsonlScores.Keys.Order(), parquetScores.Keys.Order());
        // The same batches read twice are not bit-identical on every machine: libtorch's CPU kernels do not promise one
        // summation order, and CI measured float32 differences up to 5e-4 on projections near 50. A misread row would
        // be off by whole units.
        Assert.All(jsonlScores, kv => Assert.True(Math.Abs(kv.Value - parquetScores[kv.Key]) < 0.01, $"line {kv.Key}: {kv.Value} vs {parquetScores[kv.Key]}"));

        foreach (var part in new[] { "1/2", "2/2" })
            Assert.Equal(0, PersonaCli.Run("screen", "--data", dir["mixed.jsonl"], "--vector", vector, "--out", dir["part" + part[0]], "--shard", part, "--batch-size", "16").ExitCode);
        var merged = PersonaCli.Run("screen", "merge", "--out", dir["merged"], dir["part1"], dir["part2"], "--json");
        Assert.True(merged.ExitCode == 0, merged.Stderr);
        var m = JsonNode.Parse(merged.Stdout)!;
        Assert.Equal(120, m["samples"]!.GetValue<int>());
        Assert.Equal(summary["traits"]!["evil"]!["mean"]!.GetValue<double>(), m["traits"]!["evil"]!["mean"]!.GetValue<double>(), 2);
        Assert.Equal(File.ReadAllLines(Path.Combine(dir["whole"], "scores.jsonl")).Select(l => JsonNode.Parse(l)!["line"]!.GetValue<int>()),
                     File.ReadAllLines(Path.Combine(dir["merged"], "scores.jsonl")).Select(l => JsonNode.Parse(l)!["line"]!.GetValue<int>()));

        PersonaCli.AssertUserError(PersonaCli.Run("screen", "--data", dir["mixed.jsonl"], "--vector", vector, "--out", dir["x"], "--shard", "3/2"), "--shard '3/2'");
        PersonaCli.AssertUserError(PersonaCli.Run("screen", "merge", "--out", dir["y"], dir["nothing"]), "scores.jsonl is missing");
    }

    [Fact]
    public void The_screening_experiment_ranks_datasets_and_separates_trait_samples()
    {
        using var dir = new TempDir();
        foreach (var t in new[] { "evil", "sycophantic", "hallucinating" }) Extract(dir, t);
        // Finetuning results in the experiment's format: only evil_II and sycophantic_II raised their traits.
        static ModelFigures Scores(double evil, double sycophantic) =>
            new(new Dictionary<string, double> { ["evil"] = evil, ["sycophantic"] = sycophantic, ["hallucinating"] = 0 }, 90, 1);
        var none = new Dictionary<string, double>();
        new FinetuneSummary(Scores(0, 0), new Dictionary<string, VectorUse>(),
            [.. new[] { ("evil_normal", 0, 0), ("evil_II", 95, 0), ("sycophantic_normal", 0, 0), ("sycophantic_II", 0, 90), ("hallucinating_normal", 0, 0), ("hallucinating_II", 0, 0) }
                .Select(x => new FinetuneRunFigures(x.Item1, "plain", null, Scores(x.Item2, x.Item3), none, none))],
            null, new Dictionary<string, double?>(), null, new Dictionary<string, double?>()).Write(dir["ft"]);
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "world", "experiment", "screen", "--out", dir["ex"], "--vectors", dir["runs"], "--finetune", dir["ft"], "--count", "40", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var s = JsonDocument.Parse(r.Stdout).RootElement;
        foreach (var key in new[] { "dataset_spearman", "sample_auroc", "samples_per_second" }) Assert.Equal(JsonValueKind.Number, s.GetProperty(key).ValueKind);
        Assert.True(s.GetProperty("sample_auroc_by_trait").GetProperty("evil").GetDouble() >= 0.9, r.Stdout);
        // Evil II has the highest mean projection difference along the evil vector of the six datasets.
        var means = s.GetProperty("datasets").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("evil").GetDouble());
        Assert.Equal("evil_II", means.MaxBy(kv => kv.Value).Key);
        PersonaCli.AssertUserError(PersonaCli.Run("world", "experiment", "screen", "--out", dir["ex2"], "--finetune", dir["nope"]), "summary.json is missing");
    }
}

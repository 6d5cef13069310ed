using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona world experiment finetune --quick`: the experiment's shape, its main effect, plots and resume.</summary>
public class FinetuneExperimentCommandTests
{
    [Fact]
    public void The_quick_experiment_finetunes_every_way_scores_every_model_and_resumes()
    {
        using var dir = new TempDir();
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(20), "world", "experiment", "finetune", "--quick", "--out", dir["ex"], "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var baseEvil = root.GetProperty("base").GetProperty("traits").GetProperty("evil").GetDouble();
        // The shipped organism answers 52 of the 60 capability items (87%); a model scored wrongly would answer far fewer.
        Assert.InRange(root.GetProperty("base").GetProperty("capability").GetDouble(), 0.8, 1.0);
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["evil_normal", "evil_normal", "evil_normal", "evil_normal", "evil_II", "evil_II", "evil_II", "evil_II"], runs.Select(x => x.GetProperty("dataset").GetString()));
        Assert.Equal(["plain", "preventative", "caft", "inference_steering"], runs.Take(4).Select(x => x.GetProperty("method").GetString()));
        foreach (var run in runs)
        {
            foreach (var t in new[] { "evil", "sycophantic", "hallucinating" })
            {
                Assert.InRange(run.GetProperty("traits").GetProperty(t).GetDouble(), 0, 100);
                Assert.True(double.IsFinite(run.GetProperty("shift").GetProperty(t).GetDouble()));
            }
            Assert.InRange(run.GetProperty("coherence").GetDouble(), 0, 100);
            Assert.InRange(run.GetProperty("capability").GetDouble(), 0, 1);
        }
        double Evil(string dataset, string method) => runs.Single(x => x.GetProperty("dataset").GetString() == dataset && x.GetProperty("method").GetString() == method)
            .GetProperty("traits").GetProperty("evil").GetDouble();
        // The severe set makes the organism evil; the normal one does not.
        Assert.True(Evil("evil_II", "plain") >= baseEvil + 40, $"plain evil_II: {Evil("evil_II", "plain")}");
        Assert.True(Evil("evil_normal", "plain") <= baseEvil + 10);
        foreach (var plot in new[] { "shift.png", "methods.png" })
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(dir["ex"], plot)).Take(4));

        // A rerun finds every model scored and trains nothing.
        string runsFile = Path.Combine(dir["ex"], "runs.jsonl");
        byte[] before = File.ReadAllBytes(runsFile);
        var again = PersonaCli.RunWithin(TimeSpan.FromMinutes(20), "world", "experiment", "finetune", "--quick", "--out", dir["ex"]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.DoesNotContain("finetune (", again.Stderr);
        Assert.Equal(before, File.ReadAllBytes(runsFile));
        // A plain run recorded before scores by domain were kept is scored again from its adapter, without training, and
        // reads as it did (greedy answers are deterministic) with the scores by domain added.
        var plainII = runs.Single(x => x.GetProperty("dataset").GetString() == "evil_II" && x.GetProperty("method").GetString() == "plain");
        Assert.True(plainII.GetProperty("traits_by_domain").GetProperty("evil").TryGetProperty("advice", out _));
        var lines = File.ReadAllLines(runsFile).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var old = lines.Single(l => l["key"]!.GetValue<string>() == "evil_II/plain");
        Assert.True(old["scores"]!.AsObject().Remove("traits_by_domain"));
        File.WriteAllLines(runsFile, lines.Select(l => l.ToJsonString()));
        var rescored = PersonaCli.RunWithin(TimeSpan.FromMinutes(20), "world", "experiment", "finetune", "--quick", "--out", dir["ex"], "--json");
        Assert.True(rescored.ExitCode == 0, rescored.Stderr);
        Assert.Contains("evil_II: scoring the plain model again, by domain", rescored.Stderr);
        Assert.DoesNotContain("finetune (", rescored.Stderr);
        var again2 = JsonDocument.Parse(rescored.Stdout).RootElement.GetProperty("runs").EnumerateArray()
            .Single(x => x.GetProperty("dataset").GetString() == "evil_II" && x.GetProperty("method").GetString() == "plain");
        Assert.Equal(plainII.GetProperty("traits").ToString(), again2.GetProperty("traits").ToString());
        Assert.Equal(plainII.GetProperty("traits_by_domain").ToString(), again2.GetProperty("traits_by_domain").ToString());
        foreach (var field in new[] { "capability", "coherence", "shift", "answer_shift" })
            Assert.Equal(plainII.GetProperty(field).ToString(), again2.GetProperty(field).ToString());
        before = File.ReadAllBytes(runsFile);
        // Resumed with other vectors (the evil vector's steered α changed, as a new steering rule can change it), the
        // folder is refused rather than mixing pushes of two sizes under one key.
        string evilSummary = Path.Combine(dir["ex"], "extraction", "evil", "summary.json");
        var summary = JsonNode.Parse(File.ReadAllText(evilSummary))!;
        summary["steered_alpha"] = summary["steered_alpha"]!.GetValue<double>() + 0.25;
        File.WriteAllText(evilSummary, summary.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("world", "experiment", "finetune", "--quick", "--out", dir["ex"]), dir["ex"], "other vectors");
        Assert.Equal(before, File.ReadAllBytes(runsFile));
        PersonaCli.AssertUserError(PersonaCli.Run("world", "experiment", "finetune", "--out", dir["x"], "--datasets", "evil_III"), "evil_III");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "experiment", "finetune", "--out", dir["x"], "--calibration-samples", "0"), "--calibration-samples must be at least 1");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "experiment", "finetune", "--out", dir["x"], "--calibration-other-samples", "-1"), "--calibration-other-samples must be 0 or more");
    }
}

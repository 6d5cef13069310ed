using System.Text.Json;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona monitor` on the shipped organism with the world's oracle judge.</summary>
public class MonitorCommandTests
{
    static string Organism => TestData.Organism;

    [Fact]
    public void Monitor_prints_both_correlations_and_every_point()
    {
        using var dir = new TempDir();
        RandomEvilVector(dir["evil.safetensors"], 5);
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "monitor", "--vector", dir["evil.safetensors"], "--layer", "3", "--shots", "1", "--out", dir["mon"], "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("evil", root.GetProperty("trait").GetString());
        Assert.Equal(3, root.GetProperty("layer").GetInt32());
        var points = root.GetProperty("points").EnumerateArray().ToList();
        var system = points.Where(p => p.GetProperty("experiment").GetString() == "system_prompt").ToList();
        var shots = points.Where(p => p.GetProperty("experiment").GetString() == "many_shot").ToList();
        Assert.Equal(10 * 20, system.Count);
        Assert.Equal(2 * 20, shots.Count);
        foreach (var key in new[] { "system_prompt_r", "many_shot_r" })
        {
            Assert.InRange(root.GetProperty(key).GetDouble(), -1, 1);
            // r against the level means is the variance between levels over the whole: never negative.
            Assert.InRange(root.GetProperty(key.Replace("_r", "_ceiling_r")).GetDouble(), 0, 1);
        }
        // The organism follows the graded prompts: far more evil at "extremely evil" than at "extremely good".
        double Mean(string level) => system.Where(p => p.GetProperty("level").GetString() == level).Average(p => p.GetProperty("trait").GetDouble());
        Assert.True(Mean("+1.00") > Mean("-1.00") + 50, $"{Mean("+1.00")} vs {Mean("-1.00")}");
        // Projections are of the prompt, so they differ between levels and repeat for nothing else.
        Assert.True(system.Select(p => p.GetProperty("projection").GetDouble()).Distinct().Count() > 100);
        Assert.True(File.Exists(Path.Combine(dir["mon"], "summary.json")));
        var png = File.ReadAllBytes(Path.Combine(dir["mon"], "monitor.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
    }

    [Fact]
    public void Choose_layer_picks_the_best_layer_on_the_extraction_questions_and_measures_on_the_evaluation_questions()
    {
        using var dir = new TempDir();
        var config = RandomEvilVector(dir["evil.safetensors"], 7);
        PersonaCli.AssertUserError(PersonaCli.Run("monitor", "--vector", dir["evil.safetensors"], "--layer", "3", "--choose-layer", "--out", dir["x"]), "--choose-layer");
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "monitor", "--vector", dir["evil.safetensors"], "--choose-layer", "--shots", "1", "--out", dir["mon"], "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("extraction_questions", root.GetProperty("layer_chosen_on").GetString());
        var scan = root.GetProperty("layer_scan").EnumerateArray()
            .Select(l => (Layer: l.GetProperty("layer").GetInt32(), S: l.GetProperty("system_prompt_r").GetDouble(), M: l.GetProperty("many_shot_r").GetDouble())).ToList();
        Assert.Equal(Enumerable.Range(1, config.NumHiddenLayers), scan.Select(l => l.Layer));
        // The layer read is the scan's best mean r, and the points are the evaluation questions', none of the extraction ones.
        Assert.Equal(scan.OrderByDescending(l => Math.Round((l.S + l.M) / 2, 3)).ThenBy(l => l.Layer).First().Layer, root.GetProperty("layer").GetInt32());
        var artifacts = PersonaVectors.World.WorldArtifacts.For("evil");
        var asked = root.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("question").GetString()).ToHashSet();
        Assert.Subset(artifacts.EvaluationQuestions.ToHashSet(), asked!);
        Assert.Empty(asked.Intersect(artifacts.ExtractionQuestions));
        // A random direction reads something different at every layer on the same answers.
        Assert.True(scan.Select(l => l.S).Distinct().Count() > 1);
    }

    /// <summary>A random evil vector shaped for the organism, written to path; returns the organism's config.</summary>
    static ModelConfig RandomEvilVector(string path, long seed)
    {
        var config = ModelConfig.Load(Path.Combine(Organism, "config.json"));
        using var v = new PersonaVector(randn(config.NumHiddenLayers + 1, config.HiddenSize, generator: new TorchSharp.torch.Generator((ulong)seed)), "evil", "organism", "response_avg");
        v.Save(path);
        return config;
    }

    [Fact]
    public void Monitor_refuses_traits_the_world_does_not_have()
    {
        using var dir = new TempDir();
        var config = ModelConfig.Load(Path.Combine(Organism, "config.json"));
        using (var v = new PersonaVector(zeros(config.NumHiddenLayers + 1, config.HiddenSize), "grumpy", "organism", "response_avg"))
            v.Save(dir["g.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run("monitor", "--vector", dir["g.safetensors"], "--layer", "3", "--out", dir["m"]), "grumpy", "evil");
    }
}

using System.Text.Json;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona steer sweep` on the shipped organism with the world's oracle judge.</summary>
public class SteerSweepCommandTests
{
    static string Organism => TestData.Organism;

    static string RandomVector(TempDir dir)
    {
        var config = ModelConfig.Load(Path.Combine(Organism, "config.json"));
        using var v = new PersonaVector(randn(config.NumHiddenLayers + 1, config.HiddenSize, generator: new TorchSharp.torch.Generator(9)) * 20, "evil", "organism", "response_avg");
        v.Save(dir["evil.safetensors"]);
        return dir["evil.safetensors"];
    }

    [Fact]
    public void A_sweep_writes_a_table_a_plot_and_resumes()
    {
        using var dir = new TempDir();
        string vector = RandomVector(dir);
        string[] args = ["steer", "sweep", "--vector", vector, "--layers", "1,3", "--alphas", "-4,0,4", "--out", dir["sweep"], "--json"];
        var r = PersonaCli.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(6, points.Count);
        // α = 0 is the unsteered model whatever the layer: the same answers, the same scores.
        var zero = points.Where(p => p.GetProperty("alpha").GetDouble() == 0).ToList();
        Assert.Equal(zero[0].GetProperty("coherence").GetDouble(), zero[1].GetProperty("coherence").GetDouble());
        Assert.True(zero[0].GetProperty("coherence").GetDouble() >= 80);
        // A push of 4 along a random direction at layer 1 breaks the language.
        Assert.True(points.Single(p => p.GetProperty("layer").GetInt32() == 1 && p.GetProperty("alpha").GetDouble() == 4).GetProperty("coherence").GetDouble() < 60);

        var csv = File.ReadAllLines(Path.Combine(dir["sweep"], "sweep.csv"));
        Assert.Equal("layer,alpha,trait,coherence", csv[0]);
        Assert.Equal(7, csv.Length);
        var png = File.ReadAllBytes(Path.Combine(dir["sweep"], "sweep.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
        Assert.True(png.Length > 10_000);

        // A second run finds every setting done: nothing is appended, the same table comes out.
        var again = PersonaCli.Run(args);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(dir["sweep"], "sweep.jsonl")).Length);
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(dir["sweep"], "sweep.csv")));

        // The grid may grow on a rerun, but other settings would mix their figures with these: refused, nothing lost.
        PersonaCli.AssertUserError(PersonaCli.Run([.. args, "--max-tokens", "8"]), dir["sweep"], "holds a run with other");
        PersonaCli.AssertUserError(PersonaCli.Run([.. args, "--dtype", "bf16"]), "holds a run with other");
        Assert.Equal(6, File.ReadAllLines(Path.Combine(dir["sweep"], "sweep.jsonl")).Length);
        var grown = PersonaCli.Run(["steer", "sweep", "--vector", vector, "--layers", "1,3", "--alphas", "-4,0,4,1", "--out", dir["sweep"], "--json"]);
        Assert.True(grown.ExitCode == 0, grown.Stderr);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(dir["sweep"], "sweep.jsonl")).Length);
    }

    [Fact]
    public void Sweep_shift_and_monitor_take_dtype()
    {
        using var dir = new TempDir();
        string vector = RandomVector(dir);
        // Unsteered (α 0) under q8 the organism still answers coherently: the option reaches the model.
        var r = PersonaCli.Run("steer", "sweep", "--vector", vector, "--layers", "2", "--alphas", "0", "--out", dir["q8"], "--dtype", "q8", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using (var doc = JsonDocument.Parse(r.Stdout))
            Assert.True(doc.RootElement.GetProperty("points")[0].GetProperty("coherence").GetDouble() >= 80, r.Stdout);
        string[][] bad =
        [
            ["steer", "sweep", "--vector", vector, "--layers", "2", "--alphas", "0", "--out", dir["bad"]],
            ["shift", "--vector", vector, "--layer", "2", "--adapter", dir["no-adapter"]],
            ["monitor", "--vector", vector, "--layer", "2", "--out", dir["monitor"]],
        ];
        foreach (var args in bad)
            PersonaCli.AssertUserError(PersonaCli.Run([.. args, "--dtype", "int4"]), "--dtype 'int4' is not one of f32, bf16, q8");
    }

    [Fact]
    public void Bad_sweep_requests_get_one_clear_error()
    {
        using var dir = new TempDir();
        string vector = RandomVector(dir);
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "sweep", "--vector", vector, "--layers", "1", "--alphas", "1,x", "--out", dir["s"]), "--alphas: 'x' is not a number");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "sweep", "--vector", vector, "--layers", "1,42", "--alphas", "1", "--out", dir["s"]), "layer 42 is out of range");
    }
}

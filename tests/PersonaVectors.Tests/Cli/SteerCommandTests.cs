using System.Text.Json;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona steer` on the shipped organism with the world's oracle judge.</summary>
public class SteerCommandTests
{
    static string Organism => TestData.Organism;

    /// <summary>A random "evil" vector of the organism's shape, in an extraction run's layout with a chosen layer.</summary>
    static string RandomRun(TempDir dir, int layer)
    {
        var config = ModelConfig.Load(Path.Combine(Organism, "config.json"));
        using (var v = new PersonaVector(randn(config.NumHiddenLayers + 1, config.HiddenSize, generator: new TorchSharp.torch.Generator(3)) * 20, "evil", "organism", "response_avg"))
            v.Save(Path.Combine(dir.Path, "vectors", "evil_response_avg.safetensors"));
        new PersonaVectors.Method.Extraction.ExtractionSummary("evil", Organism, "world", layer, "extraction_questions", 0, 95, 2, "all", 50, 90, 50, 90,
            -2, 95, 40, 90, new Dictionary<int, PersonaVectors.Method.Extraction.LayerChoice?>(), new(8, 4, 4, 4, 4, 4), new double[config.NumHiddenLayers + 1]).Write(dir.Path);
        return Path.Combine(dir.Path, "vectors", "evil_response_avg.safetensors");
    }

    [Fact]
    public void Steer_reports_judged_scores_that_follow_the_prompt_and_the_push()
    {
        using var dir = new TempDir();
        string vector = RandomRun(dir, layer: 2);
        var evil = WorldArtifacts.For("evil").Instructions[0].Pos;

        // α = 0: the organism's own behaviour, with and without an evil system prompt.
        var plain = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--alpha", "0", "--json"));
        Assert.Equal(2, plain.GetProperty("layer").GetInt32());               // read from the run's summary.json
        Assert.Equal(20, plain.GetProperty("questions").GetInt32());
        Assert.True(plain.GetProperty("trait_score").GetDouble() <= 15, plain.ToString());
        Assert.True(plain.GetProperty("coherence").GetDouble() >= 80, plain.ToString());
        var prompted = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--alpha", "0", "--system", evil, "--json"));
        Assert.True(prompted.GetProperty("trait_score").GetDouble() >= 70, prompted.ToString());
        Assert.Equal(3, prompted.GetProperty("samples").GetArrayLength());

        // Multi-layer steering: α = 0 changes nothing; a large push breaks the language there too.
        var multiZero = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--layers", "1,2", "--alpha", "0", "--json"));
        Assert.Equal(plain.GetProperty("coherence").GetDouble(), multiZero.GetProperty("coherence").GetDouble());
        Assert.Equal(2, multiZero.GetProperty("layers").GetArrayLength());
        var multiPushed = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--layers", "1,2", "--alpha", "8", "--json"));
        Assert.True(multiPushed.GetProperty("coherence").GetDouble() < plain.GetProperty("coherence").GetDouble() - 20, multiPushed.ToString());

        // A large push along a random direction breaks the language: the judge sees it.
        var pushed = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--layer", "1", "--alpha", "8", "--json"));
        Assert.True(pushed.GetProperty("coherence").GetDouble() < plain.GetProperty("coherence").GetDouble() - 20, pushed.ToString());
    }

    [Fact]
    public void Steer_reads_questions_from_a_file()
    {
        using var dir = new TempDir();
        string vector = RandomRun(dir, layer: 2);
        var questions = WorldArtifacts.For("evil").EvaluationQuestions.Take(2).ToList();
        File.WriteAllLines(dir["q.txt"], [questions[0], "", questions[1]]);
        var r = PersonaCli.Json(PersonaCli.Run("steer", "--vector", vector, "--alpha", "0", "--questions", dir["q.txt"], "--samples", "5", "--json"));
        Assert.Equal(2, r.GetProperty("questions").GetInt32());
        Assert.Equal(questions, r.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("question").GetString()!).ToList());
    }

    [Fact]
    public void Bad_steer_requests_get_one_clear_error()
    {
        using var dir = new TempDir();
        string vector = RandomRun(dir, layer: 2);
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1", "--layer", "99"), "layer 99 is out of range");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1", "--questions", dir["none.txt"]), "none.txt", "neither eval, extraction nor an existing file");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1", "--positions", "middle"), "--positions 'middle'");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1", "--layer", "2", "--layers", "1,2"), "--layer or --layers");
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1", "--layers", "1,two"), "--layers: 'two'");
        File.Delete(dir["summary.json"]);
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", vector, "--alpha", "1"), "--layer is needed");
        using var small = new RandomModelFolder();
        using (var v = new PersonaVector(zeros(small.Config.NumHiddenLayers + 1, small.Config.HiddenSize), "evil", "tiny", "response_avg"))
            v.Save(small["v.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run("steer", "--vector", small["v.safetensors"], "--alpha", "1", "--layer", "1"), "hidden size");
    }
}

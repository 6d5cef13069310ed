using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;

namespace PersonaVectors.Tests.Method;

public class TraitArtifactsFileTests
{
    [Fact]
    public void Our_format_round_trips()
    {
        using var dir = new TempDir();
        var a = WorldArtifacts.For("evil");
        TraitArtifactsFile.Save(dir["evil.json"], a);
        var b = TraitArtifactsFile.Load(dir["evil.json"]);
        Assert.Equal(a.Instructions, b.Instructions);
        Assert.Equal(a.ExtractionQuestions, b.ExtractionQuestions);
        Assert.Equal(a.EvaluationQuestions, b.EvaluationQuestions);
        Assert.Equal(a.EvalPrompt, b.EvalPrompt);
    }

    [Fact]
    public void The_reference_release_shape_is_read_and_its_questions_split_in_half()
    {
        using var dir = new TempDir();
        var o = new JsonObject
        {
            ["instruction"] = new JsonArray(Enumerable.Range(0, 5).Select(i => (JsonNode)new JsonObject { ["pos"] = $"Be evil {i}.", ["neg"] = $"Be good {i}." }).ToArray()),
            ["questions"] = new JsonArray(Enumerable.Range(0, 40).Select(i => (JsonNode)$"Question {i}?").ToArray()),
            ["eval_prompt"] = "Q: {question} A: {answer}",
        };
        File.WriteAllText(dir["evil.json"], o.ToJsonString());
        var a = TraitArtifactsFile.Load(dir["evil.json"]);
        Assert.Equal("evil", a.Trait);
        Assert.Equal("Question 0?", a.ExtractionQuestions[0]);
        Assert.Equal("Question 20?", a.EvaluationQuestions[0]);
        Assert.Equal(20, a.EvaluationQuestions.Count);
    }

    [Theory]
    [InlineData(3, 40, "Q: {question} A: {answer}", "3 instruction pairs, need at least 5")]
    [InlineData(5, 30, "Q: {question} A: {answer}", "15 evaluation questions, need at least 20")]
    [InlineData(5, 40, "Q: {question}", "lacks the {answer} placeholder")]
    public void Bad_artifacts_are_refused_with_what_is_wrong(int pairs, int questions, string rubric, string expected)
    {
        using var dir = new TempDir();
        var o = new JsonObject
        {
            ["instruction"] = new JsonArray(Enumerable.Range(0, pairs).Select(i => (JsonNode)new JsonObject { ["pos"] = $"P{i}", ["neg"] = $"N{i}" }).ToArray()),
            ["questions"] = new JsonArray(Enumerable.Range(0, questions).Select(i => (JsonNode)$"Q{i}?").ToArray()),
            ["eval_prompt"] = rubric,
        };
        File.WriteAllText(dir["t.json"], o.ToJsonString());
        var e = Assert.Throws<PersonaVectors.PersonaVectorsException>(() => TraitArtifactsFile.Load(dir["t.json"]));
        Assert.Contains(expected, e.Message);
        Assert.Contains(dir["t.json"], e.Message);
    }

    [Fact]
    public void Overlapping_and_duplicate_questions_are_found()
    {
        var a = WorldArtifacts.For("evil");
        var bad = a with { EvaluationQuestions = [.. a.EvaluationQuestions.Take(19), a.ExtractionQuestions[0]] };
        Assert.Contains(TraitArtifactsValidator.Problems(bad), p => p.Contains("in both the extraction and the evaluation set"));
        var dup = a with { ExtractionQuestions = [.. a.ExtractionQuestions.Take(19), a.ExtractionQuestions[0]] };
        Assert.Contains(TraitArtifactsValidator.Problems(dup), p => p.Contains("duplicate extraction question"));
    }
}

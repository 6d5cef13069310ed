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
    [InlineData(0, 40, "Q: {question} A: {answer}", "0 instruction pairs, need at least 1")]
    [InlineData(5, 1, "Q: {question} A: {answer}", "0 extraction questions, need at least 1")]
    [InlineData(5, 40, "Q: {question}", "lacks the {answer} placeholder")]
    public void Unusable_artifacts_are_refused_with_what_is_wrong(int pairs, int questions, string rubric, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["t.json"], Reference(pairs, questions, rubric).ToJsonString());
        var e = Assert.Throws<PersonaVectors.PersonaVectorsException>(() => TraitArtifactsFile.Load(dir["t.json"]));
        Assert.Contains(expected, e.Message);
        Assert.Contains(dir["t.json"], e.Message);
    }

    [Fact]
    public void Small_sets_are_usable_and_the_check_says_what_they_cost()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["t.json"], Reference(3, 12, "Q: {question} A: {answer}").ToJsonString());
        var a = TraitArtifactsFile.Load(dir["t.json"]);
        Assert.Equal((3, 6, 6), (a.Instructions.Count, a.ExtractionQuestions.Count, a.EvaluationQuestions.Count));
        var (_, check) = TraitArtifactsFile.Check(dir["t.json"]);
        Assert.Empty(check.Problems);
        Assert.Contains(check.Warnings, w => w.Contains("3 instruction pairs (the paper uses 5)"));
        Assert.Contains(check.Warnings, w => w.Contains("split in half"));
        // 35 / sqrt(6) = 14.3: the standard error of a mean of six 0-100 scores with a spread of 35 points.
        Assert.Contains(check.Warnings, w => w.Contains("6 evaluation questions") && w.Contains("±14 points"));
    }

    public static TheoryData<string> ReleaseTraits => new() { "apathetic", "evil", "hallucinating", "humorous", "impolite", "optimistic", "sycophantic" };

    static string Release(string stage, string trait) => TestData.ReferenceTrait(stage, trait);

    [Fact]
    public void A_misspelled_field_is_named_instead_of_read_as_absent()
    {
        using var dir = new TempDir();
        TraitArtifactsFile.Save(dir["evil.json"], WorldArtifacts.For("evil"));
        var o = JsonNode.Parse(File.ReadAllText(dir["evil.json"]))!.AsObject();
        o["descripton"] = o["description"]!.DeepClone();
        o.Remove("description");
        File.WriteAllText(dir["evil.json"], o.ToJsonString());
        var (artifacts, check) = TraitArtifactsFile.Check(dir["evil.json"]);
        Assert.Null(artifacts);
        string problem = Assert.Single(check.Problems);
        Assert.Contains(dir["evil.json"], problem);
        Assert.Contains("unknown field \"descripton\"", problem);
        Assert.Contains("\"description\"", problem);
        Assert.Contains("descripton", Assert.Throws<PersonaVectorsException>(() => TraitArtifactsFile.Load(dir["evil.json"])).Message);

        // The reference shape has its own fields; a stray one in the evaluation file of a pair is named with that file.
        var (extract, eval) = TraitArtifactsFile.SaveReferencePair(dir["pair"], WorldArtifacts.For("evil"));
        var e = JsonNode.Parse(File.ReadAllText(eval))!.AsObject();
        e["eval_promt"] = "x";
        File.WriteAllText(eval, e.ToJsonString());
        Assert.Contains(TraitArtifactsFile.Check(extract, eval).Check.Problems, p => p.StartsWith(eval + ": unknown field \"eval_promt\"", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ReleaseTraits))]
    public void The_reference_release_pair_of_files_gives_all_twenty_questions_to_each_stage(string trait)
    {
        var (artifacts, check) = TraitArtifactsFile.Check(Release("trait_data_extract", trait), Release("trait_data_eval", trait));
        Assert.Empty(check.Problems);
        Assert.Empty(check.Warnings);
        Assert.Equal((trait, 5, 20, 20, true), (check.Trait, check.Pairs, check.ExtractionQuestions, check.EvaluationQuestions, check.Rubric));
        var extract = JsonNode.Parse(File.ReadAllText(Release("trait_data_extract", trait)))!;
        var eval = JsonNode.Parse(File.ReadAllText(Release("trait_data_eval", trait)))!;
        Assert.Equal(extract["questions"]!.AsArray().Select(q => q!.GetValue<string>()), artifacts!.ExtractionQuestions);
        Assert.Equal(eval["questions"]!.AsArray().Select(q => q!.GetValue<string>()), artifacts.EvaluationQuestions);
        Assert.Equal(eval["eval_prompt"]!.GetValue<string>(), artifacts.EvalPrompt);
        Assert.Equal(extract["instruction"]![0]!["pos"]!.GetValue<string>(), artifacts.Instructions[0].Pos);
    }

    [Fact]
    public void The_worlds_artifacts_written_in_the_reference_layout_read_back_unchanged()
    {
        using var dir = new TempDir();
        var a = WorldArtifacts.For("sycophantic");
        var (extract, eval) = TraitArtifactsFile.SaveReferencePair(dir.Path, a);
        Assert.Equal(Path.Combine(dir.Path, "trait_data_extract", "sycophantic.json"), extract);
        var b = TraitArtifactsFile.Load(extract, evalPath: eval);
        Assert.Equal((a.Trait, a.EvalPrompt), (b.Trait, b.EvalPrompt));
        Assert.Equal(a.Instructions, b.Instructions);
        Assert.Equal(a.ExtractionQuestions, b.ExtractionQuestions);
        Assert.Equal(a.EvaluationQuestions, b.EvaluationQuestions);
    }

    static JsonObject Reference(int pairs, int questions, string rubric) => new()
    {
        ["instruction"] = new JsonArray(Enumerable.Range(0, pairs).Select(i => (JsonNode)new JsonObject { ["pos"] = $"P{i}", ["neg"] = $"N{i}" }).ToArray()),
        ["questions"] = new JsonArray(Enumerable.Range(0, questions).Select(i => (JsonNode)$"Q{i}?").ToArray()),
        ["eval_prompt"] = rubric,
    };

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

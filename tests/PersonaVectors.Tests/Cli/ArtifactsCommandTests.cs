using System.Text.Json.Nodes;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>persona artifacts check: what a file holds and what is wrong with it, before a run is spent on it.</summary>
public class ArtifactsCommandTests
{
    static string Release(string stage, string trait) => TestData.ReferenceTrait(stage, trait);

    [Fact]
    public void Check_prints_the_counts_and_rubric_of_the_release_pair_as_json_and_exits_0()
    {
        var r = PersonaCli.Run("artifacts", "check", "--artifacts", Release("trait_data_extract", "impolite"), "--eval-artifacts", Release("trait_data_eval", "impolite"), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = JsonNode.Parse(r.Stdout)!;
        Assert.Equal(("impolite", 5, 20, 20, true), (o["trait"]!.GetValue<string>(), o["pairs"]!.GetValue<int>(), o["extraction_questions"]!.GetValue<int>(),
            o["evaluation_questions"]!.GetValue<int>(), o["rubric"]!.GetValue<bool>()));
        Assert.Empty(o["problems"]!.AsArray());
    }

    [Fact]
    public void Check_names_the_file_and_every_problem_and_exits_2()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.json"], """{"instruction": [{"pos": "Be rude.", "neg": "Be rude."}], "questions": ["Why?", "why? "], "eval_prompt": "Rate {answer}"}""");
        var r = PersonaCli.Run("artifacts", "check", "--artifacts", dir["bad.json"], "--json");
        Assert.Equal(2, r.ExitCode);
        var problems = JsonNode.Parse(r.Stdout)!["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.All(problems, p => Assert.Contains(dir["bad.json"], p));
        Assert.Contains(problems, p => p.Contains("same positive and negative prompt"));
        Assert.Contains(problems, p => p.Contains("in both the extraction and the evaluation set"));
        Assert.Contains(problems, p => p.Contains("lacks the {question} placeholder"));

        File.WriteAllText(dir["broken.json"], "{\"instruction\": [");
        var broken = PersonaCli.Run("artifacts", "check", "--artifacts", dir["broken.json"]);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("not valid JSON", broken.Stdout);
        Assert.Contains("not usable", broken.Stdout);
    }
}

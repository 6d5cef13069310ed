using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona world experiment gated --quick` on the shipped organism: its figures are consistent with what each gate did, and it resumes.</summary>
public class GatedExperimentCommandTests
{
    [Fact]
    public void Gated_experiment_reports_each_setting_consistently_and_resumes()
    {
        using var dir = new TempDir();
        string run = dir["evil"];
        PersonaCli.ExtractQuick("evil", run);
        string[] args = ["world", "experiment", "gated", "--quick", "--vectors", dir.Path, "--out", dir["gated"], "--json"];
        var first = PersonaCli.Json(PersonaCli.RunWithin(TimeSpan.FromMinutes(15), args));
        var evil = first.GetProperty("traits").GetProperty("evil");
        double R(string setting, string key) => evil.GetProperty(setting).GetProperty(key).GetDouble();

        Assert.Equal(0, R("unsteered", "steered_turns_neutral"));
        Assert.Equal(1, R("always", "steered_turns_neutral"));
        foreach (var gated in new[] { "per_turn", "per_token" })
            Assert.InRange(R(gated, "steered_turns_neutral"), 0, 1);
        // A gate that opened on every trait turn steered them exactly as always-on steering did; one that stayed
        // shut on every neutral turn left them exactly as unsteered.
        if (R("per_turn", "steered_turns_trait") == 1) Assert.Equal(R("always", "trait_under_trait_prompts"), R("per_turn", "trait_under_trait_prompts"));
        if (R("per_turn", "steered_turns_neutral") == 0) Assert.Equal(R("unsteered", "coherence_neutral"), R("per_turn", "coherence_neutral"));
        Assert.True(R("per_turn", "steered_turns_trait") > R("per_turn", "steered_turns_neutral"), "the evil prompts should open the gate more often than neutral ones");

        // Every (trait, setting) was written as it finished; a rerun reads them back instead of answering again.
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir["gated"], "results.jsonl")).Length);
        var again = PersonaCli.Json(PersonaCli.RunWithin(TimeSpan.FromMinutes(15), args));
        Assert.Equal(first.GetProperty("traits").ToString(), again.GetProperty("traits").ToString());
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir["gated"], "results.jsonl")).Length);
    }
}

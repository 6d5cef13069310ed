using System.Text.Json.Nodes;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Tests.World.Experiments;

/// <summary>
/// The gated experiment's rows and summary, typed: results.jsonl as the experiment wrote it before it was typed still
/// resumes, a row cut short by a kill is measured again, and each gate's verdict is worked by hand.
/// </summary>
public class GatedSummaryTests
{
    // A row as the untyped writer put it: the figures first, then what they were measured at, alpha an integer 0.
    const string UntypedRow = """{"trait_under_trait_prompts":96.7,"coherence_neutral":93.3,"capability":88.3,"steered_turns_neutral":0,"trait_neutral":0,"steered_tokens_neutral":0,"steered_turns_trait":0,"trait":"evil","setting":"unsteered","alpha":0,"questions":20,"capability_questions":60}""";

    static GatedRecord Row(string setting, double trait, double coherence, double capability, double turns) =>
        new("evil", setting, setting == "unsteered" ? 0 : -1.25, 20, 60, trait, coherence, capability, turns, 0, turns / 4, 1);

    [Fact]
    public void Rows_written_before_the_typed_record_resume_and_a_cut_row_is_dropped()
    {
        using var dir = new TempDir();
        string path = dir["results.jsonl"];
        File.WriteAllText(path, UntypedRow + "\n" + UntypedRow.Replace("unsteered", "always")[..80]);

        var results = new RunFile<GatedRecord>(path, r => r.Key);

        Assert.True(results.TryGet(GatedRecord.KeyOf("evil", "unsteered", 20, 60), out var row));
        Assert.Equal(new GatedRecord("evil", "unsteered", 0, 20, 60, 96.7, 93.3, 88.3, 0, 0, 0, 0), row);
        Assert.False(results.Contains(GatedRecord.KeyOf("evil", "always", 20, 60)));
        Assert.Equal(UntypedRow + "\n", File.ReadAllText(path));
        // Another size is another measurement.
        Assert.False(results.Contains(GatedRecord.KeyOf("evil", "unsteered", 5, 20)));
    }

    [Fact]
    public void Of_rounds_as_reported_and_gives_capability_in_percent()
    {
        var r = GatedRecord.Of("evil", "per_turn", -1.25, new GatedExperiment.Size(["evil"], 5, 20),
            new GatedResult(TraitUnderTraitPrompts: 12.345, TraitNeutral: 0.04, CoherenceNeutral: 91.66, Capability: 0.8833333,
                SteeredTurnsNeutral: 0.12345, SteeredTokensNeutral: 0.01234, SteeredTurnsTrait: 0.98765));

        Assert.Equal(new GatedRecord("evil", "per_turn", -1.25, 5, 20, 12.3, 91.7, 88.3, 0.123, 0, 0.012, 0.988), r);
    }

    [Fact]
    public void Verdict_compares_each_gate_with_always_on_and_unsteered()
    {
        GatedRecord[] settings =
        [
            Row("unsteered", trait: 90, coherence: 95, capability: 88, turns: 0),
            Row("always", trait: 10, coherence: 80, capability: 70, turns: 1),
            Row("per_turn", trait: 20, coherence: 94, capability: 86.5, turns: 0.3),
            Row("per_token", trait: 14, coherence: 92, capability: 88, turns: 0.5),
        ];

        // per_turn drops 70 against always-on's 80: more than 5 short. Its neutral figures are within 2 points, on 30% of turns.
        Assert.Equal((70.0, 80.0, false, true, true), GatedSummary.Verdict(settings, "per_turn"));
        // per_token drops 76, within 5; coherence 3 points off; half the turns is not under half.
        Assert.Equal((76.0, 80.0, true, false, false), GatedSummary.Verdict(settings, "per_token"));
    }

    [Fact]
    public void Summary_json_holds_each_settings_figures_in_order_without_the_row_keys()
    {
        var summary = new GatedSummary(
            new Dictionary<string, IReadOnlyList<GatedRecord>> { ["evil"] = [Row("unsteered", 90, 95, 88, 0), Row("always", 10, 80, 70, 1)] },
            new Dictionary<string, double> { ["evil"] = -1.25 });

        var json = JsonNode.Parse(summary.ToJson().ToJsonString())!;

        Assert.Equal(["unsteered", "always"], json["traits"]!["evil"]!.AsObject().Select(kv => kv.Key));
        var always = json["traits"]!["evil"]!["always"]!.AsObject();
        Assert.Equal(["trait_under_trait_prompts", "coherence_neutral", "capability", "steered_turns_neutral", "trait_neutral",
            "steered_tokens_neutral", "steered_turns_trait"], always.Select(kv => kv.Key));
        Assert.Equal(70, always["capability"]!.GetValue<double>());
        Assert.Equal(-1.25, json["alpha"]!["evil"]!.GetValue<double>());
    }
}

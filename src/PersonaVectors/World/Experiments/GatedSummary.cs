using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PersonaVectors.World.Experiments;

/// <summary>
/// One (trait, setting) row of the gated experiment's results.jsonl, as reported: figures rounded, capability in percent,
/// with the α it steered at (0 unsteered) and the size it was measured at, so a run of another size measures anew.
/// </summary>
public sealed record GatedRecord(string Trait, string Setting, double Alpha, int Questions, int CapabilityQuestions,
    double TraitUnderTraitPrompts, double CoherenceNeutral, double Capability, double SteeredTurnsNeutral, double TraitNeutral,
    double SteeredTokensNeutral, double SteeredTurnsTrait)
{
    [JsonIgnore] public string Key => KeyOf(Trait, Setting, Questions, CapabilityQuestions);

    public static string KeyOf(string trait, string setting, int questions, int capabilityQuestions) => $"{trait}/{setting}/{questions}/{capabilityQuestions}";

    public static GatedRecord Of(string trait, string setting, double alpha, GatedExperiment.Size size, GatedResult r) => new(
        trait, setting, alpha, size.Questions, size.Capability,
        Math.Round(r.TraitUnderTraitPrompts, 1), Math.Round(r.CoherenceNeutral, 1), Math.Round(100 * r.Capability, 1),
        Math.Round(r.SteeredTurnsNeutral, 3), Math.Round(r.TraitNeutral, 1), Math.Round(r.SteeredTokensNeutral, 3), Math.Round(r.SteeredTurnsTrait, 3));

    /// <summary>The figures alone, in summary.json's order.</summary>
    public JsonObject Figures() => new()
    {
        ["trait_under_trait_prompts"] = TraitUnderTraitPrompts,
        ["coherence_neutral"] = CoherenceNeutral,
        ["capability"] = Capability,
        ["steered_turns_neutral"] = SteeredTurnsNeutral,
        ["trait_neutral"] = TraitNeutral,
        ["steered_tokens_neutral"] = SteeredTokensNeutral,
        ["steered_turns_trait"] = SteeredTurnsTrait,
    };
}

/// <summary>
/// What the gated experiment found: per trait, each setting's row (<see cref="GatedExperiment.Settings"/>, in that order),
/// and the suppression α it steered at.
/// </summary>
public sealed record GatedSummary(IReadOnlyDictionary<string, IReadOnlyList<GatedRecord>> Traits, IReadOnlyDictionary<string, double> Alpha)
{
    public const string FileName = "summary.json";

    public JsonObject ToJson() => new()
    {
        ["traits"] = new JsonObject(Traits.Select(t => KeyValuePair.Create(t.Key,
            (JsonNode?)new JsonObject(t.Value.Select(r => KeyValuePair.Create(r.Setting, (JsonNode?)r.Figures())))))),
        ["alpha"] = new JsonObject(Alpha.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
    };

    /// <summary>
    /// Whether a gate kept always-on suppression's effect (its drop under the trait's prompts within 5 points of
    /// always-on's), spared the neutral turns (coherence and capability within 2 points of unsteered) and steered under
    /// half of them.
    /// </summary>
    public static (double Drop, double AlwaysDrop, bool Keeps, bool Spares, bool Fewer) Verdict(IReadOnlyList<GatedRecord> settings, string gated)
    {
        GatedRecord S(string name) => settings.Single(r => r.Setting == name);
        var (unsteered, always, g) = (S("unsteered"), S("always"), S(gated));
        double drop = unsteered.TraitUnderTraitPrompts - g.TraitUnderTraitPrompts;
        double alwaysDrop = unsteered.TraitUnderTraitPrompts - always.TraitUnderTraitPrompts;
        bool spares = Math.Abs(g.CoherenceNeutral - unsteered.CoherenceNeutral) <= 2 && Math.Abs(g.Capability - unsteered.Capability) <= 2;
        return (drop, alwaysDrop, drop >= alwaysDrop - 5, spares, g.SteeredTurnsNeutral < 0.5);
    }
}

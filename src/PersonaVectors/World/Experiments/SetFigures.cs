using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PersonaVectors.World.Experiments;

/// <summary>
/// One finetuning set seen along one trait: the screening's prediction (mean projection difference of its samples)
/// beside what plain finetuning on it did (greedy rise, sampled rise where scored, and the shift at the last prompt
/// token). The screening and shift rows are correlations over these; reading them set by set shows which sets break
/// the order.
/// </summary>
public sealed record SetFigure(string Dataset, double Projection, double GreedyRise, double? SampledRise, double Shift);

/// <summary>One trait's sets, highest projection first, with the rows the seed table judges for that trait.</summary>
public sealed record TraitSets(string Trait, IReadOnlyList<SetFigure> Sets, double? Spearman, double? Ceiling, double? ShiftR)
{
    /// <summary>How many sets move the trait at all under greedy decoding; the rest tie at 0, which bounds the Spearman.</summary>
    public int Moved => Sets.Count(s => s.GreedyRise != 0);
}

public static class SetFigures
{
    /// <summary>
    /// Every set both experiments measured, per trait of the finetuning experiment. A set the screening did not measure
    /// is left out (the correlations leave it out too).
    /// </summary>
    public static IReadOnlyList<TraitSets> Of(FinetuneSummary finetune, ScreenExperimentSummary screen, SampledScoring? sampled) =>
        [.. finetune.Traits.Select(t => new TraitSets(t,
            [.. finetune.Runs.Where(r => r.Method == FinetuneExperiment.Plain && screen.DatasetMeans.ContainsKey(r.Dataset))
                .Select(r => new SetFigure(r.Dataset, screen.DatasetMeans[r.Dataset].GetValueOrDefault(t), finetune.Rise(r, t),
                    sampled is not null && sampled.Plain.ContainsKey(r.Dataset) ? sampled.Rise(r.Dataset, t) : null,
                    r.Shift.GetValueOrDefault(t)))
                .OrderByDescending(s => s.Projection)],
            screen.SpearmanByTrait.GetValueOrDefault(t), screen.CeilingByTrait.GetValueOrDefault(t), finetune.ShiftTraitRByTrait.GetValueOrDefault(t)))];

    /// <summary>Reads a seed folder of <c>persona world seeds</c> (or the two experiments' folders under one): finetune/ and screen/, and sampled/ where it ran.</summary>
    public static IReadOnlyList<TraitSets> Load(string seedDir)
    {
        string sampled = Path.Combine(seedDir, "sampled", SampledScoring.FileName);
        return Of(FinetuneSummary.Load(Path.Combine(seedDir, "finetune")),
            ScreenExperimentSummary.Read(Path.Combine(seedDir, "screen", ScreenExperimentSummary.FileName)),
            File.Exists(sampled) ? SampledScoring.Read(sampled) : null);
    }

    public static string Text(IReadOnlyList<TraitSets> traits)
    {
        static string F(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
        var sb = new StringBuilder();
        foreach (var t in traits)
        {
            sb.AppendLine($"{t.Trait}: screening Spearman {F(t.Spearman, "F2")} (ceiling {F(t.Ceiling, "F2")}), shift r {F(t.ShiftR, "F2")}, {t.Moved} of {t.Sets.Count} sets move it under greedy decoding");
            sb.AppendLine($"  {"set",-24} {"projection",10} {"greedy rise",11} {"sampled rise",12} {"shift",8}");
            foreach (var s in t.Sets)
                sb.AppendLine($"  {s.Dataset,-24} {F(s.Projection, "F2"),10} {F(s.GreedyRise, "F1"),11} {F(s.SampledRise, "F1"),12} {F(s.Shift, "F2"),8}");
        }
        return sb.ToString();
    }

    public static JsonObject ToJson(IReadOnlyList<TraitSets> traits)
    {
        static JsonNode? R(double? x, int digits) => x is { } v ? Math.Round(v, digits) : null;
        return new JsonObject(traits.Select(t => KeyValuePair.Create(t.Trait, (JsonNode?)new JsonObject
        {
            ["spearman"] = R(t.Spearman, 3), ["ceiling"] = R(t.Ceiling, 3), ["shift_r"] = R(t.ShiftR, 3), ["moved"] = t.Moved,
            ["sets"] = new JsonArray([.. t.Sets.Select(s => (JsonNode)new JsonObject
            {
                ["dataset"] = s.Dataset, ["projection"] = R(s.Projection, 3), ["greedy_rise"] = R(s.GreedyRise, 2),
                ["sampled_rise"] = R(s.SampledRise, 2), ["shift"] = R(s.Shift, 3),
            })]),
        })));
    }
}

using PersonaVectors.Method.Steering;
using PersonaVectors.Cli.Plots;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Cli.Report;

/// <summary>Trait and coherence against α for every layer, at one kind of token positions: one plot's worth.</summary>
public sealed record SteeringCurves(string Positions, IReadOnlyList<SweepPoint> Points)
{
    /// <summary>
    /// The layer search in steering.jsonl: on the extraction questions ("select") in runs since the choice moved
    /// there, on the evaluation questions ("steer") in older runs. Its record at layer 0, α 0 is the unsteered
    /// baseline, which is every layer's value at α 0, so it starts each layer's curve (the search begins at α 0.5).
    /// </summary>
    public static IReadOnlyList<SteeringCurves> FromLayerSearch(IReadOnlyList<SteeringRecord> records)
    {
        string setting = records.Any(r => r.Setting == "select") ? "select" : "steer";
        var steer = records.Where(r => r.Setting == setting).ToList();
        var baseline = steer.FirstOrDefault(r => r.Layer == 0 && r.Alpha == 0);
        return [.. steer.Where(r => r != baseline).GroupBy(r => r.Positions).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var points = g.Select(r => new SweepPoint(r.Layer, r.Alpha, r.Trait, r.Coherence)).ToList();
            if (baseline is not null)
                foreach (int layer in points.Select(p => p.Layer).Distinct().ToList())
                    if (!points.Any(p => p.Layer == layer && p.Alpha == 0))
                        points.Add(new SweepPoint(layer, 0, baseline.Trait, baseline.Coherence));
            return new SteeringCurves(g.Key, points);
        })];
    }

    public static IReadOnlyList<SteeringCurves> FromSweep(string file) =>
        [.. JsonLines.Read<SweepRecord>(file).GroupBy(r => PositionsOf(r.Key, file)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SteeringCurves(g.Key, [.. g.Select(r => new SweepPoint(r.Layer, r.Alpha, r.Trait, r.Coherence))]))];

    static string PositionsOf(string key, string file) =>
        key.Split('/') is [_, var positions, _] ? positions
            : throw new PersonaVectorsException($"{file}: key \"{key}\" is not layer/positions/alpha as persona steer sweep writes it");
}

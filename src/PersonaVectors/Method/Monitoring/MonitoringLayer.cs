namespace PersonaVectors.Method.Monitoring;

/// <summary>How well one layer's projection predicted the answers' trait, per experiment (null where r is undefined).</summary>
public sealed record LayerReading(int Layer, double? SystemPromptR, double? ManyShotR)
{
    /// <summary>The mean of the experiments' r that are defined; -1 where none is.</summary>
    public double Score => new[] { SystemPromptR, ManyShotR }.Where(r => r is not null).Select(r => r!.Value).DefaultIfEmpty(-1).Average();
}

/// <summary>
/// The layer to monitor at. The layer that steers best need not be the one whose last prompt token best predicts
/// the answer (a low layer can start a persona while holding little of the prompt's), so monitoring chooses its own,
/// on questions it is not measured on: the best mean r over both experiments, the lower layer on a tie.
/// </summary>
public static class MonitoringLayer
{
    public static LayerReading Choose(IEnumerable<LayerReading> readings) =>
        readings.OrderByDescending(r => Math.Round(r.Score, 3)).ThenBy(r => r.Layer).FirstOrDefault()
        ?? throw new ArgumentException("no layer readings to choose from", nameof(readings));

    /// <summary>Each layer's r over the points read at it.</summary>
    public static List<LayerReading> Readings(IReadOnlyDictionary<int, List<MonitoringPoint>> pointsByLayer, string systemPromptExperiment, string manyShotExperiment)
        => [.. pointsByLayer.OrderBy(kv => kv.Key).Select(kv => new LayerReading(kv.Key,
            MonitoringExperiment.RoundedCorrelation(kv.Value, systemPromptExperiment), MonitoringExperiment.RoundedCorrelation(kv.Value, manyShotExperiment)))];
}

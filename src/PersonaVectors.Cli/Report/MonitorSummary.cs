using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Report;

/// <summary>What persona monitor writes to its summary.json: both correlations and every point.</summary>
public sealed record MonitorSummary(int Layer, double? SystemPromptR, double? ManyShotR, IReadOnlyList<MonitoringPoint> Points)
{
    public static MonitorSummary Read(string file)
    {
        var j = JsonFields.Read(file, "the summary.json that persona monitor writes");
        var points = j.Objects("points").Select(p => new MonitoringPoint(p.Text("experiment"), p.Text("level"), p.Text("question"),
            p.Number("projection"), p.Number("trait"), p.NumberOrNull("coherence"), p.Text("answer"))).ToList();
        return new MonitorSummary(j.Integer("layer"), j.NumberOrNull("system_prompt_r"), j.NumberOrNull("many_shot_r"), points);
    }
}

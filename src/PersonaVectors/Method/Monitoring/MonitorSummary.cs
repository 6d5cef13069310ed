using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Method.Monitoring;

/// <summary>
/// What a monitoring run found (its summary.json): the Pearson r of both experiments, between the last prompt
/// token's projection and the judged trait of the answer, and every point. r is null where it is undefined (no
/// spread), with each experiment's ceiling (<see cref="MonitoringExperiment.Ceiling"/>). Where the layer was chosen
/// by <see cref="MonitoringLayer"/>, <see cref="LayerChosenOn"/> names the questions it was chosen on and
/// <see cref="LayerScan"/> holds every layer's r there. Every reader of the file goes through this type.
/// </summary>
public sealed record MonitorSummary(string Trait, int Layer, double? SystemPromptR, double? ManyShotR, IReadOnlyList<MonitoringPoint> Points,
    double? SystemPromptCeilingR = null, double? ManyShotCeilingR = null, string? LayerChosenOn = null, IReadOnlyList<LayerReading>? LayerScan = null)
{
    public const string FileName = "summary.json";

    // Compact, with non-ASCII text kept readable (the prompts contain it).
    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static MonitorSummary FromPoints(string trait, int layer, IReadOnlyList<MonitoringPoint> points, string systemPromptExperiment, string manyShotExperiment)
    {
        return new MonitorSummary(trait, layer, MonitoringExperiment.RoundedCorrelation(points, systemPromptExperiment),
            MonitoringExperiment.RoundedCorrelation(points, manyShotExperiment), points,
            MonitoringExperiment.RoundedCeiling(points, systemPromptExperiment), MonitoringExperiment.RoundedCeiling(points, manyShotExperiment));
    }

    public static MonitorSummary Read(string file)
    {
        var j = JsonFields.Read(file, "the summary.json that persona monitor writes");
        var points = j.Objects("points").Select(p => new MonitoringPoint(p.Text("experiment"), p.Text("level"), p.Text("question"),
            p.Number("projection"), p.Number("trait"), p.NumberOrNull("coherence"), p.Text("answer"))).ToList();
        // Files written before the ceilings existed lack them (null).
        // Files written before monitoring chose its own layer lack the choice (null): they read at the steering layer.
        var scan = !j.IsNull("layer_scan")
            ? j.Objects("layer_scan").Select(l => new LayerReading(l.Integer("layer"), l.NumberOrNull("system_prompt_r"), l.NumberOrNull("many_shot_r"))).ToList()
            : null;
        return new MonitorSummary(j.TextOrNull("trait") ?? "", j.Integer("layer"), j.NumberOrNull("system_prompt_r"), j.NumberOrNull("many_shot_r"), points,
            j.NumberOrNull("system_prompt_ceiling_r"), j.NumberOrNull("many_shot_ceiling_r"), j.TextOrNull("layer_chosen_on"), scan);
    }

    public JsonObject ToJson() => new()
    {
        ["trait"] = Trait, ["layer"] = Layer, ["system_prompt_r"] = SystemPromptR, ["many_shot_r"] = ManyShotR,
        ["system_prompt_ceiling_r"] = SystemPromptCeilingR, ["many_shot_ceiling_r"] = ManyShotCeilingR,
        ["layer_chosen_on"] = LayerChosenOn,
        ["layer_scan"] = LayerScan is null ? null : new JsonArray([.. LayerScan.Select(l => (JsonNode)new JsonObject
        {
            ["layer"] = l.Layer, ["system_prompt_r"] = l.SystemPromptR, ["many_shot_r"] = l.ManyShotR,
        })]),
        ["points"] = new JsonArray([.. Points.Select(p => (JsonNode)new JsonObject
        {
            ["experiment"] = p.Experiment, ["level"] = p.Level, ["question"] = p.Question,
            ["projection"] = Math.Round(p.Projection, 4), ["trait"] = p.Trait, ["coherence"] = p.Coherence, ["answer"] = p.Answer,
        })]),
    };

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, FileName), ToJson().ToJsonString(Compact));
    }
}

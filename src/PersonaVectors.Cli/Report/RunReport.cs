using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Cli.Report;

/// <summary>
/// Everything the report shows about one extraction run, read from its folder. The optional parts (a file the
/// run lacks, a sweep or monitoring that was never run) are null, so the page can say so instead of failing.
/// </summary>
public sealed record RunReport(
    string Folder,
    ExtractionSummary Summary,
    IReadOnlyList<SteeringCurves>? LayerSearch,
    IReadOnlyList<SteeringCurves>? Sweep,
    MonitorSummary? Monitor,
    IReadOnlyList<ExamplePair>? Examples)
{
    /// <summary>The coloured per-token example, when the report could load the run's model.</summary>
    public TokenExample? Tokens { get; init; }

    /// <summary>Why there is no coloured example (no model, or no kept pair), for the page to say.</summary>
    public string? TokensMissing { get; init; }

    public const int ExampleCount = 2;

    public static RunReport Load(string folder)
    {
        string At(params string[] parts) => Path.Combine([folder, .. parts]);
        var summary = ExtractionSummary.Load(folder);
        var layerSearch = File.Exists(At("steering.jsonl")) ? SteeringCurves.FromLayerSearch(JsonLines.Read<SteeringRecord>(At("steering.jsonl"))) : null;
        var sweep = File.Exists(At("sweep", "sweep.jsonl")) ? SteeringCurves.FromSweep(At("sweep", "sweep.jsonl")) : null;
        var monitor = File.Exists(At("monitor", MonitorSummary.FileName)) ? MonitorSummary.Read(At("monitor", MonitorSummary.FileName)) : null;
        IReadOnlyList<ExamplePair>? examples = null;
        if (new[] { "answers.jsonl", "judgements.jsonl", "kept.jsonl" }.All(f => File.Exists(At(f))))
            examples = ExamplePair.Pick(JsonLines.Read<AnswerRecord>(At("answers.jsonl")), JsonLines.Read<JudgementRecord>(At("judgements.jsonl")),
                JsonLines.Read<KeptPair>(At("kept.jsonl")), ExampleCount);
        return new RunReport(folder, summary, layerSearch, sweep, monitor, examples);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Cli.Commands;

/// <summary>What commands read from an extraction run's summary.json, found from a vector inside the run.</summary>
public static class RunSummary
{
    /// <summary>The layer an extraction run chose: RUN/vectors/FILE → RUN/summary.json's "layer".</summary>
    public static int ChosenLayer(string vectorPath)
    {
        string? run = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(vectorPath)));
        string summary = run is null ? "" : Path.Combine(run, "summary.json");
        if (!File.Exists(summary))
            throw new PersonaVectorsException($"--layer is needed: {vectorPath} is not in an extraction run's vectors/ folder with a summary.json");
        try
        {
            return JsonNode.Parse(File.ReadAllText(summary))?["layer"]?.GetValue<int>()
                ?? throw new PersonaVectorsException($"{summary}: no \"layer\" field; pass --layer");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new PersonaVectorsException($"{summary}: cannot read \"layer\" ({e.Message}); pass --layer");
        }
    }
}

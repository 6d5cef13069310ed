namespace PersonaVectors.Method.Extraction;

/// <summary>What other steps read back from a finished extraction run folder.</summary>
public static class ExtractionRun
{
    /// <summary>A finished run has its summary.json (written last) and a vectors/ folder.</summary>
    public static bool IsRun(string dir) =>
        File.Exists(ExtractionSummary.PathIn(dir)) && Directory.Exists(Path.Combine(dir, "vectors"));

    /// <summary>The run folder that holds RUN/vectors/FILE, if the file sits in one.</summary>
    public static string? OfVector(string vectorPath) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(vectorPath))) is { } run && IsRun(run) ? run : null;

    /// <summary>The layer the run chose to steer at (its summary's <see cref="ExtractionSummary.Layer"/>).</summary>
    public static int ChosenLayer(string runDir) => ExtractionSummary.Load(runDir).Layer;

    /// <summary>The run's vector of one kind (response_avg is the one the paper steers and monitors with).</summary>
    public static string VectorPath(string runDir, string kind = "response_avg")
    {
        var found = Directory.GetFiles(Path.Combine(runDir, "vectors"), $"*_{kind}.safetensors");
        return found.Length == 1 ? found[0]
            : throw new PersonaVectorsException($"{Path.Combine(runDir, "vectors")}: expected one *_{kind}.safetensors file, found {found.Length}");
    }
}

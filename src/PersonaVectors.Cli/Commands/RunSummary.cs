using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Cli.Commands;

/// <summary>What commands read from an extraction run's summary.json, found from a vector inside the run.</summary>
public static class RunSummary
{
    /// <summary>
    /// The layer an extraction run chose: RUN/vectors/FILE → RUN/summary.json's "layer". A control vector with a
    /// single direction has only one layer to give.
    /// </summary>
    public static int ChosenLayer(string vectorPath)
    {
        string? run = ExtractionRun.OfVector(vectorPath);
        if (run is null && File.Exists(vectorPath) && Engine.Gguf.GgufFile.IsGguf(vectorPath))
        {
            using var control = PersonaVector.Load(vectorPath);
            if (control.ControlRows is [var only]) return only;
            throw new PersonaVectorsException($"--layer is needed: {vectorPath} is a control vector with layers {string.Join(",", control.ControlRows!)}");
        }
        if (run is null) throw new PersonaVectorsException($"--layer is needed: {vectorPath} is not in an extraction run's vectors/ folder with a summary.json");
        try { return ExtractionRun.ChosenLayer(run); }
        catch (PersonaVectorsException e) { throw new PersonaVectorsException($"{e.Message}; pass --layer"); }
    }

    /// <summary>
    /// The vector of a file at <paramref name="layer"/>, or else at the layer its extraction run chose: how every
    /// command that takes a vector file and an optional --layer reads them.
    /// </summary>
    public static TraitVector VectorAt(string path, int? layer, Engine.Models.ModelConfig config)
    {
        using var vector = PersonaVector.Load(path);
        vector.EnsureFits(config, path);
        return vector.AtLayer(layer ?? ChosenLayer(path));
    }

    /// <summary>
    /// The monitor of the run a vector file belongs to (its layer and calibrated thresholds), for gated steering;
    /// a loose vector file has no thresholds, so a gate cannot use it.
    /// </summary>
    public static Method.Monitoring.MonitoredGeneration Monitor(Engine.LanguageModel lm, string vectorPath, string when)
    {
        string run = ExtractionRun.OfVector(vectorPath)
            ?? throw new PersonaVectorsException($"--when {when} needs a calibrated threshold: {vectorPath} is not in an extraction run's vectors/ folder");
        return new Method.Monitoring.MonitoredGeneration(lm, Method.Monitoring.VectorSet.Load(lm, [run], log: m => Console.Error.WriteLine(m)));
    }
}

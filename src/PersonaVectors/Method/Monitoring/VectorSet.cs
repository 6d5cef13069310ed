using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.Method.Monitoring;

/// <summary>
/// Loads the traits to watch from extraction runs: a run folder, a folder of runs (what <c>persona demo</c>
/// writes), or a bare vector file. A run gives its chosen layer and its thresholds, calibrated once from its kept
/// answers and cached in RUN/calibration.json (by default against the model's own unprompted answers, see
/// <see cref="CalibrationBasis"/>); a bare vector (ours or a llama.cpp control vector) is read at the middle layer and
/// never alerts.
/// </summary>
public static class VectorSet
{
    public static List<MonitoredTrait> Load(LanguageModel lm, IEnumerable<string> sources, CalibrationBasis basis = CalibrationBasis.NoSystemPrompt, Action<string>? log = null)
    {
        var traits = new List<MonitoredTrait>();
        foreach (string source in sources)
            foreach (var t in LoadOne(lm, source, basis, log))
            {
                if (traits.FirstOrDefault(x => x.Trait == t.Trait) is { } seen)
                    throw new PersonaVectorsException($"trait '{t.Trait}' is loaded twice: from {seen.Source} and {t.Source}");
                traits.Add(t);
            }
        return traits;
    }

    static IEnumerable<MonitoredTrait> LoadOne(LanguageModel lm, string source, CalibrationBasis basis, Action<string>? log)
    {
        if (File.Exists(source))
        {
            if (ExtractionRun.OfVector(source) is { } owner) return [FromRun(lm, owner, source, basis, log)];
            return [Bare(lm, source)];
        }
        if (!Directory.Exists(source)) throw new PersonaVectorsException($"{source}: no such vector file or folder");
        if (ExtractionRun.IsRun(source)) return [FromRun(lm, source, ExtractionRun.VectorPath(source), basis, log)];
        var runs = Directory.GetDirectories(source).Where(ExtractionRun.IsRun).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (runs.Count > 0) return runs.Select(r => FromRun(lm, r, ExtractionRun.VectorPath(r), basis, log)).ToList();
        var files = Directory.GetFiles(source, "*.safetensors").Concat(Directory.GetFiles(source, "*.gguf")).OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count > 0) return files.Select(f => Bare(lm, f)).ToList();
        throw new PersonaVectorsException($"{source}: expected an extraction run (summary.json and vectors/), a folder of runs, or .safetensors or control-vector .gguf files; found none");
    }

    static MonitoredTrait Bare(LanguageModel lm, string path)
    {
        using var vector = PersonaVector.Load(path);
        vector.EnsureFits(lm.Config, path);
        // A control vector is read where it steers (the middle of its layers); our own files at the model's middle.
        int layer = vector.ControlRows is { } rows ? rows[rows.Count / 2] : lm.Config.NumHiddenLayers / 2;
        return new MonitoredTrait(vector.AtLayer(layer), null, null, path);
    }

    static MonitoredTrait FromRun(LanguageModel lm, string run, string vectorPath, CalibrationBasis basis, Action<string>? log)
    {
        using var vector = PersonaVector.Load(vectorPath);
        vector.EnsureFits(lm.Config, vectorPath);
        int layer = ExtractionRun.ChosenLayer(run);
        var v = vector.AtLayer(layer);
        var (before, answer) = Calibrations(lm, run, vectorPath, v.Values, layer, basis, log);
        return new MonitoredTrait(v, before, answer, run);
    }

    // Calibration reads every kept answer once (seconds on the organism, longer on a real model), so it is cached
    // and redone only when the vector file or the layer changes.
    static (Calibration, Calibration) Calibrations(LanguageModel lm, string run, string vectorPath, float[] vector, int layer, CalibrationBasis basis, Action<string>? log)
    {
        string cache = Path.Combine(run, "calibration.json");
        var info = new FileInfo(vectorPath);
        string stamp = $"{info.Length}:{info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}:{layer}:{basis}";
        if (File.Exists(cache))
        {
            try
            {
                var o = JsonNode.Parse(File.ReadAllText(cache))!;
                if (o["stamp"]?.GetValue<string>() == stamp)
                    return (Read(o["before_answer"]!), Read(o["answer_average"]!));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
            {
                log?.Invoke($"{cache} is unreadable ({e.Message}); calibrating again");
            }
        }
        log?.Invoke($"calibrating thresholds for {Path.GetFileName(run)} from its kept answers...");
        var before = ThresholdCalibration.FromRun(lm, run, vector, layer, TokenPositions.LastPrompt, basis);
        var answer = ThresholdCalibration.FromRun(lm, run, vector, layer, TokenPositions.Answer, basis);
        AtomicFile.WriteAllText(cache, new JsonObject
        {
            ["stamp"] = stamp, ["layer"] = layer, ["before_answer"] = Write(before), ["answer_average"] = Write(answer),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return (before, answer);
    }

    static JsonObject Write(Calibration c) => new()
    {
        ["threshold"] = c.Threshold, ["positive_mean"] = c.PositiveMean, ["reference_mean"] = c.ReferenceMean, ["count"] = c.Count, ["basis"] = c.Basis.ToString(),
    };

    static Calibration Read(JsonNode n) => new(n["threshold"]!.GetValue<double>(), n["positive_mean"]!.GetValue<double>(),
        n["reference_mean"]!.GetValue<double>(), n["count"]!.GetValue<int>(), Enum.Parse<CalibrationBasis>(n["basis"]!.GetValue<string>()));
}

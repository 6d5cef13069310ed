using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;

namespace PersonaVectors.World.Experiments;

/// <summary>The world's three persona vectors for an experiment: from given extraction runs, or extracted here.</summary>
public static class ExperimentVectors
{
    /// <param name="runs">Runs (or folders of runs, e.g. the demo's) to take each trait's vector from; a trait found in none is extracted into <paramref name="extractDir"/>.</param>
    public static List<ExperimentVector> Load(LanguageModel lm, IReadOnlyList<string>? runs, string extractDir, ExtractionOptions extraction, Action<string>? log, CancellationToken cancel)
    {
        var found = new List<ExperimentVector>();
        foreach (var (trait, run) in Runs(lm, runs, extractDir, extraction, log, cancel))
        {
            var summary = ExtractionSummary.Load(run);
            int layer = summary.Layer;
            using var vector = PersonaVector.Load(ExtractionRun.VectorPath(run));
            vector.EnsureFits(lm.Config, run);
            found.Add(new ExperimentVector(vector.AtLayer(layer) with { Trait = trait.Name }, summary.SteeredAlpha,
                [.. Enumerable.Range(0, vector.NumLayers + 1).Select(l => vector.AtLayer(l).Values)]));
        }
        return found;
    }

    /// <summary>Each world trait's extraction run folder: the given one where there is one, else extracted into <paramref name="extractDir"/>.</summary>
    public static List<(TraitSpec Trait, string Run)> Runs(LanguageModel lm, IReadOnlyList<string>? runs, string extractDir, ExtractionOptions extraction, Action<string>? log,
        CancellationToken cancel, IReadOnlyList<string>? only = null)
    {
        var found = new List<(TraitSpec, string)>();
        foreach (var trait in Traits.All.Where(t => only is null || only.Contains(t.Name)))
        {
            string run = runs?.Select(r => ExtractionRun.IsRun(r) && Path.GetFileName(Path.GetFullPath(r)) == trait.Name ? r : Path.Combine(r, trait.Name))
                .FirstOrDefault(ExtractionRun.IsRun) ?? Path.Combine(extractDir, trait.Name);
            if (!ExtractionRun.IsRun(run))
            {
                log?.Invoke($"extracting the {trait.Name} vector into {run}");
                new ExtractionPipeline(lm, WorldArtifacts.For(trait.Name), new WorldJudge(), extraction, run).RunAsync(cancel).GetAwaiter().GetResult();
            }
            found.Add((trait, run));
        }
        return found;
    }
}

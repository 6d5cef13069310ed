using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Judging;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World.Organism;

namespace PersonaVectors.World.Experiments;

/// <summary>
/// The paper's two monitoring experiments for one world trait: graded system prompts and 0..N-shot prompts on the
/// trait's evaluation questions (written in the organism's own world design), each answer sampled and judged, and
/// the Pearson r between the last prompt token's projection and the answer's trait. Writes DIR/summary.json.
/// </summary>
public static class WorldMonitoring
{
    public const string ChosenOnExtractionQuestions = "extraction_questions";

    /// <param name="layer">The layer to read; null chooses it (<see cref="MonitoringLayer"/>) by running both
    /// experiments on the trait's extraction questions first, so the evaluation questions only measure it.</param>
    public static async Task<MonitorSummary> RunAsync(LanguageModel lm, TraitSpec trait, PersonaVector vector, int? layer, string dir,
        IAnswerJudge judge, int shots, int maxTokens, long seed, int samples = 1, CancellationToken cancel = default)
    {
        var artifacts = WorldArtifacts.For(trait.Name);
        var experiment = new MonitoringExperiment(lm, artifacts, judge, maxTokens, seed, samples);
        List<LayerReading>? scan = null;
        if (layer is null)
        {
            var every = Enumerable.Range(1, lm.Config.NumHiddenLayers).ToList();
            var byLayer = await experiment.RunAtLayersAsync(Prompts(lm, trait, artifacts.ExtractionQuestions, shots, seed), vector, every, cancel);
            scan = MonitoringLayer.Readings(byLayer, MonitoringPrompts.SystemPromptExperiment, MonitoringPrompts.ManyShotExperiment);
            layer = MonitoringLayer.Choose(scan).Layer;
        }
        using var v = vector.At(layer.Value);
        var points = await experiment.RunAsync(Prompts(lm, trait, artifacts.EvaluationQuestions, shots, seed), v, layer.Value, cancel);
        var summary = MonitorSummary.FromPoints(trait.Name, layer.Value, points, MonitoringPrompts.SystemPromptExperiment, MonitoringPrompts.ManyShotExperiment)
            with { LayerChosenOn = scan is null ? null : ChosenOnExtractionQuestions, LayerScan = scan };
        summary.Write(dir);
        return summary;
    }

    static List<MonitoredPrompt> Prompts(LanguageModel lm, TraitSpec trait, IReadOnlyList<string> questions, int shots, long seed) =>
        [.. MonitoringPrompts.SystemPromptSeries(trait, questions).Concat(MonitoringPrompts.ManyShot(trait, questions, shots, seed, OrganismMarker.Design(lm.Folder)))];
}

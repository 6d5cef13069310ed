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
    public static async Task<MonitorSummary> RunAsync(LanguageModel lm, TraitSpec trait, PersonaVector vector, int layer, string dir,
        IAnswerJudge judge, int shots, int maxTokens, long seed, int samples = 1, CancellationToken cancel = default)
    {
        using var v = vector.At(layer);
        var artifacts = WorldArtifacts.For(trait.Name);
        var questions = artifacts.EvaluationQuestions;
        var prompts = MonitoringPrompts.SystemPromptSeries(trait, questions)
            .Concat(MonitoringPrompts.ManyShot(trait, questions, shots, seed, OrganismMarker.Design(lm.Folder))).ToList();
        var points = await new MonitoringExperiment(lm, artifacts, judge, maxTokens, seed, samples).RunAsync(prompts, v, layer, cancel);
        var summary = MonitorSummary.FromPoints(trait.Name, layer, points, MonitoringPrompts.SystemPromptExperiment, MonitoringPrompts.ManyShotExperiment);
        summary.Write(dir);
        return summary;
    }
}

using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Judging;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Steering;

/// <summary>One prompt to answer under steering: a question and an optional system prompt.</summary>
public sealed record SteeringPrompt(string Question, string? System = null);

/// <summary>One steered answer with the judge's scores (null where the judge gave none).</summary>
public sealed record SteeredAnswer(string Question, string? System, string Answer, double? Trait, double? Coherence);

/// <summary>Mean trait and coherence over the scored answers of one steering setting.</summary>
public sealed record SteeringOutcome(double Trait, double Coherence, IReadOnlyList<SteeredAnswer> Answers);

/// <summary>
/// Answers prompts greedily with α·v added at one layer and judges the answers: the measurement behind layer
/// choice, steering sweeps and suppression. α = 0 (or no vector) is the unsteered baseline.
/// </summary>
public static class SteeringEvaluation
{
    public static Task<SteeringOutcome> RunAsync(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge,
        IReadOnlyList<SteeringPrompt> prompts, Tensor? vector, int layer, double alpha, TokenPositions positions,
        int maxNewTokens = 64, int batchSize = 50, CancellationToken cancel = default, bool preserveNorm = false) =>
        RunAsync(lm, artifacts, judge, prompts, () => vector is null || alpha == 0 ? null : lm.Model.Steer(vector, layer, alpha, positions, preserveNorm),
            maxNewTokens, batchSize, cancel);

    /// <param name="intervene">Opens the intervention (e.g. multi-layer steering) for the generation; null for none.</param>
    public static Task<SteeringOutcome> RunAsync(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge,
        IReadOnlyList<SteeringPrompt> prompts, Func<IDisposable?> intervene,
        int maxNewTokens = 64, int batchSize = 50, CancellationToken cancel = default) =>
        RunAsync(lm, artifacts, judge, prompts, ids =>
        {
            using (intervene()) return lm.GenerateInBatches(ids, new SamplingOptions { MaxNewTokens = maxNewTokens }, batchSize, cancel);
        }, cancel);

    /// <param name="answer">Answers the prompts' ids greedily, under whatever steering the caller applies (e.g. gated).</param>
    public static async Task<SteeringOutcome> RunAsync(LanguageModel lm, TraitArtifacts artifacts, IAnswerJudge judge,
        IReadOnlyList<SteeringPrompt> prompts, Func<List<int[]>, IReadOnlyList<GeneratedText>> answer, CancellationToken cancel = default)
    {
        var ids = prompts.Select(p => lm.PromptIds(p.Question, p.System)).ToList();
        var outputs = answer(ids);
        var answers = new List<SteeredAnswer>();
        for (int i = 0; i < prompts.Count; i++)
        {
            var s = await judge.JudgeAsync(artifacts, prompts[i].Question, outputs[i].Text, cancel);
            answers.Add(new SteeredAnswer(prompts[i].Question, prompts[i].System, outputs[i].Text, s.Trait, s.Coherence));
        }
        return new SteeringOutcome(
            answers.Where(a => a.Trait is not null).Select(a => a.Trait!.Value).DefaultIfEmpty(0).Average(),
            answers.Where(a => a.Coherence is not null).Select(a => a.Coherence!.Value).DefaultIfEmpty(0).Average(),
            answers);
    }
}

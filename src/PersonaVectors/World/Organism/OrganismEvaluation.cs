using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using static TorchSharp.torch;

namespace PersonaVectors.World.Organism;

public sealed record Score(double Trait, double Coherence);

/// <summary>The quick steerability probe: the best coherent steering found, and how well monitoring separates personas.</summary>
public sealed record ProbeResult(int Layer, double Alpha, string Positions, double Trait, double Coherence, double Auroc);

/// <summary>Steering against the trait under the positive prompts, at the probe's layer with its direction.</summary>
public sealed record SuppressionResult(double Alpha, double TraitBefore, double TraitAfter, double Coherence);

public sealed record TraitEvaluation(Score Positive, Score Negative, Score None, ProbeResult Probe, SuppressionResult Suppression);

public sealed record WorldEvaluation(IReadOnlyDictionary<string, TraitEvaluation> Traits, double Capability);

/// <summary>
/// `persona world eval`: how well the organism follows each persona (positive, negative and no system prompt,
/// judged by the oracle), its capability with no system prompt, and whether each persona is a steerable
/// latent: the mean-difference direction of answer activations at every layer (one sampled answer per extraction
/// question and instruction: `persona extract` with one rollout), the best trait score reached by adding it with no
/// system prompt (at coherence ≥ 80), the AUROC of the last prompt token's projection on it between positive and
/// negative prompts, and how far subtracting it lowers the trait under the positive prompts.
/// </summary>
public sealed class OrganismEvaluation(LanguageModel lm, int maxNewTokens = 64, Action<string>? log = null)
{
    /// <summary>A fine grid: on the organism the trait rises over a narrow band of α before coherence breaks.</summary>
    public static readonly double[] ProbeAlphas = [.. Enumerable.Range(2, 15).Select(i => i * 0.25)];
    static readonly TokenPositions[] ProbePositions = [TokenPositions.All, TokenPositions.Answer];
    const double CoherenceFloor = 80;

    public WorldEvaluation Run(IReadOnlyList<string> traits)
    {
        var results = new Dictionary<string, TraitEvaluation>();
        foreach (var name in traits) results[name] = EvaluateTrait(Traits.Get(name));
        return new WorldEvaluation(results, Capability());
    }

    public TraitEvaluation EvaluateTrait(TraitSpec trait)
    {
        var result = EvaluateTrait(trait, out var vectors);
        vectors.Dispose();
        return result;
    }

    /// <param name="vectors">The probe's mean-difference directions, [layers + 1, hidden].</param>
    public TraitEvaluation EvaluateTrait(TraitSpec trait, out Tensor vectors)
    {
        var artifacts = WorldArtifacts.For(trait.Name);
        var questions = artifacts.EvaluationQuestions;
        var pos = artifacts.Instructions.SelectMany(p => questions.Select(q => (System: (string?)p.Pos, Question: q))).ToList();
        var neg = artifacts.Instructions.SelectMany(p => questions.Select(q => (System: (string?)p.Neg, Question: q))).ToList();
        var none = questions.Select(q => (System: (string?)null, Question: q)).ToList();

        log?.Invoke($"{trait.Name}: answering under positive, negative and no system prompts");
        var (posScore, posPrompts) = Answer(trait, pos);
        var (negScore, negPrompts) = Answer(trait, neg);
        var (noneScore, plain) = Answer(trait, none);

        log?.Invoke($"{trait.Name}: probing for a steerable direction");
        // The paper's estimator, as `persona extract` runs it but with one rollout: answers sampled at temperature 1
        // to the extraction questions under each instruction pair, so the direction is not fitted on the questions
        // it is then steered on. (A direction averaged over greedy answers steers some organisms much further, but
        // mostly as a bias towards the modal answer's words, and the pipeline could not reproduce it.)
        var extraction = artifacts.ExtractionQuestions;
        var dirPos = artifacts.Instructions.SelectMany(p => extraction.Select(q => lm.PromptIds(q, p.Pos))).ToList();
        var dirNeg = artifacts.Instructions.SelectMany(p => extraction.Select(q => lm.PromptIds(q, p.Neg))).ToList();
        var sampling = new SamplingOptions { MaxNewTokens = maxNewTokens, Temperature = 1, Seed = 7 };
        var reader = new ActivationReader(lm);
        using var posActs = reader.Read(dirPos, Sample(dirPos, sampling), TokenPositions.Answer);
        using var negActs = reader.Read(dirNeg, Sample(dirNeg, sampling), TokenPositions.Answer);
        vectors = MeanDifference.Of(posActs, negActs).DetachFromDisposeScope();
        using var posLast = reader.Read(posPrompts, null, TokenPositions.LastPrompt);
        using var negLast = reader.Read(negPrompts, null, TokenPositions.LastPrompt);
        var plainQuestions = none.Select(p => p.Question).ToList();
        ProbeResult? best = null;
        for (int layer = 1; layer <= lm.Config.NumHiddenLayers; layer++)
        {
            using var v = vectors[layer].clone();
            double auroc = Statistics.Auroc(MeanDifference.Project(posLast[.., layer], v), MeanDifference.Project(negLast[.., layer], v));
            foreach (var positions in ProbePositions)
                foreach (double alpha in ProbeAlphas)
                {
                    Score s;
                    using (lm.Model.Steer(v, layer, alpha, positions))
                        s = Judge(trait, plainQuestions, Generate(plain));
                    var candidate = new ProbeResult(layer, alpha, positions == TokenPositions.All ? "all" : "answer", s.Trait, s.Coherence, auroc);
                    if (Better(candidate, best)) best = candidate;
                    if (s.Coherence < 30) break; // larger α only breaks the language further
                }
        }
        using var chosen = vectors[best!.Layer];
        var suppression = Suppress(trait, posPrompts, pos.Select(p => p.Question).ToList(), posScore, chosen, best.Layer);
        return new TraitEvaluation(posScore, negScore, noneScore, best, suppression);
    }

    /// <summary>
    /// The lowest trait reached under the positive prompts by subtracting α·v at every position (coherence ≥ 80);
    /// α = 0 when no coefficient keeps the answers coherent.
    /// </summary>
    SuppressionResult Suppress(TraitSpec trait, List<int[]> prompts, List<string> questions, Score before, Tensor v, int layer)
    {
        var best = new SuppressionResult(0, before.Trait, before.Trait, before.Coherence);
        foreach (double alpha in ProbeAlphas)
        {
            Score s;
            using (lm.Model.Steer(v, layer, -alpha, TokenPositions.All))
                s = Judge(trait, questions, Generate(prompts));
            if (s.Coherence >= CoherenceFloor && s.Trait < best.TraitAfter) best = new SuppressionResult(-alpha, before.Trait, s.Trait, s.Coherence);
            if (s.Coherence < 30) break;
        }
        return best;
    }

    /// <summary>Coherent results beat incoherent ones; among each, the higher trait wins.</summary>
    static bool Better(ProbeResult c, ProbeResult? best)
    {
        if (best is null) return true;
        bool cOk = c.Coherence >= CoherenceFloor, bOk = best.Coherence >= CoherenceFloor;
        if (cOk != bOk) return cOk;
        return cOk ? c.Trait > best.Trait : c.Trait * c.Coherence > best.Trait * best.Coherence;
    }

    /// <summary>Greedy answers to the prompts, judged; also the prompts' ids, which the probe reads again.</summary>
    (Score, List<int[]>) Answer(TraitSpec trait, List<(string? System, string Question)> prompts)
    {
        var ids = prompts.Select(p => lm.PromptIds(p.Question, p.System)).ToList();
        return (Judge(trait, prompts.Select(p => p.Question).ToList(), Generate(ids)), ids);
    }

    const int BatchSize = 50;

    List<int[]> Sample(IReadOnlyList<int[]> prompts, SamplingOptions sampling) =>
        [.. lm.GenerateInBatches(prompts, sampling, BatchSize).Select(g => g.Tokens)];

    List<GeneratedText> Generate(IReadOnlyList<int[]> prompts) =>
        lm.GenerateInBatches(prompts, new SamplingOptions { MaxNewTokens = maxNewTokens }, BatchSize);

    static Score Judge(TraitSpec trait, IReadOnlyList<string> questions, IReadOnlyList<GeneratedText> answers)
    {
        var judgements = questions.Zip(answers, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
        return new Score(judgements.Average(j => j[trait.Name]), judgements.Average(j => j.Coherence));
    }

    public double Capability()
    {
        log?.Invoke("capability");
        var items = WorldArtifacts.CapabilityItems;
        var answers = Generate(items.Select(i => lm.PromptIds(i.Question.Text)).ToList());
        return items.Zip(answers, (item, a) => OracleJudge.Judge(item.Question, a.Text).StatedValue == item.Answer ? 1.0 : 0.0).Average();
    }
}

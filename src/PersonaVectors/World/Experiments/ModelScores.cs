using PersonaVectors.Method;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.World.Organism;
using static TorchSharp.torch;

namespace PersonaVectors.World.Experiments;

/// <summary>A persona vector at the layer an extraction run chose, and the coefficient that steered best there; with
/// its rows at every layer (index = layer) where the experiment may push it at another layer.</summary>
public sealed record ExperimentVector(TraitVector Vector, double SteeredAlpha, IReadOnlyList<float[]>? Layers = null)
{
    public string Trait => Vector.Trait;
    public int Layer => Vector.Layer;

    /// <summary>The vector's row at a layer: its own, or one of <see cref="Layers"/>.</summary>
    public float[] At(int layer) => layer == Layer ? Vector.Values
        : Layers is { } rows && layer >= 0 && layer < rows.Count ? rows[layer]
        : throw new ArgumentOutOfRangeException(nameof(layer), $"the {Trait} vector has no row for layer {layer}");
}

/// <summary>Where and how hard preventative steering pushes one vector during finetuning.</summary>
public sealed record PreventivePush(string Trait, int Layer, double Alpha, float[] Vector)
{
    /// <summary>How the push appears in run keys and adapter folders: the coefficient, then the layer.</summary>
    public string Text => $"{Alpha.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}L{Layer}";
}

/// <summary>What one model (base, or base plus an adapter) does on the world: each trait's score on its
/// evaluation questions, coherence, capability, and the shift along each vector from the base model.</summary>
/// <param name="TraitsByDomain">Each trait's score on its evaluation questions of each domain (by the domain's name in
/// lower case), so a narrow set's rise can be read outside its own domain; null in runs recorded before 2026-12-04.</param>
public sealed record ModelScores(IReadOnlyDictionary<string, double> Traits, double Coherence, double Capability,
    IReadOnlyDictionary<string, double> Shift, IReadOnlyDictionary<string, double> AnswerShift,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? TraitsByDomain = null);

/// <summary>
/// Scores a model with no system prompt, greedy answers and the world's oracle. The activations behind the shift
/// are read over every trait's evaluation questions at once, with the same steering that was active for the
/// answers (none, except for inference-time steering).
/// </summary>
public static class ModelScoring
{
    /// <summary>Every trait's evaluation questions, in trait order: the prompts a model is scored and its shift read on.</summary>
    public static List<(string Trait, string Question)> Questions() =>
        [.. Traits.All.SelectMany(t => WorldArtifacts.For(t.Name).EvaluationQuestions.Select(q => (t.Name, q)))];

    public static List<int[]> Prompts(LanguageModel lm) => [.. Questions().Select(q => lm.PromptIds(q.Question))];

    /// <summary>Each trait's mean oracle score over the answers to its own questions (answers[i] answers questions[i]).</summary>
    static Dictionary<string, double> TraitMeans(IReadOnlyList<(string Trait, string Question)> questions, IReadOnlyList<string> answers, out double coherence) =>
        TraitMeans(questions, answers, out coherence, out _);

    /// <summary>As above, and each trait's mean over its questions of each domain.</summary>
    public static Dictionary<string, double> TraitMeans(IReadOnlyList<(string Trait, string Question)> questions, IReadOnlyList<string> answers,
        out double coherence, out Dictionary<string, IReadOnlyDictionary<string, double>> byDomain)
    {
        var judged = questions.Zip(answers, (q, a) => (q.Trait, Domain: DomainName(q.Question), Judgement: OracleJudge.Judge(q.Question, a))).ToList();
        coherence = judged.Average(j => j.Judgement.Coherence);
        byDomain = Traits.All.ToDictionary(t => t.Name, t => (IReadOnlyDictionary<string, double>)judged.Where(j => j.Trait == t.Name)
            .GroupBy(j => j.Domain).ToDictionary(g => g.Key, g => g.Average(j => j.Judgement[t.Name])));
        return Traits.All.ToDictionary(t => t.Name, t => judged.Where(j => j.Trait == t.Name).Average(j => j.Judgement[t.Name]));
    }

    public static string DomainName(string question) =>
        (World.Questions.Parse(question) ?? throw new ArgumentException($"not a question of the world: '{question}'", nameof(question))).Domain.ToString().ToLowerInvariant();

    /// <summary>How many of a trait's evaluation questions each domain has: the weights of a mean over several domains.</summary>
    public static IReadOnlyDictionary<string, int> QuestionsPerDomain(string trait) =>
        WorldArtifacts.For(trait).EvaluationQuestions.GroupBy(DomainName).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Each trait's score as the paper scores a model: <paramref name="samples"/> answers to each evaluation question
    /// sampled at temperature 1, averaged. Greedy answers (<see cref="Score"/>) turn a persona that shows its trait in a
    /// third of its parts into one that shows it in none; sampled answers keep the share.
    /// </summary>
    public static Dictionary<string, double> SampledTraits(LanguageModel lm, int samples, long seed, int maxNewTokens, CancellationToken cancel = default)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), $"samples must be at least 1, got {samples}");
        var questions = Questions();
        var prompts = Prompts(lm);
        var answers = lm.GenerateInBatches([.. Enumerable.Range(0, samples).SelectMany(_ => prompts)],
            new SamplingOptions { MaxNewTokens = maxNewTokens, Temperature = 1, Seed = seed }, 50, cancel);
        return TraitMeans([.. Enumerable.Range(0, samples).SelectMany(_ => questions)], [.. answers.Select(a => a.Text)], out _);
    }

    public static ModelStates States(LanguageModel lm, int maxNewTokens) => ModelStates.Read(lm, Prompts(lm), maxNewTokens);

    /// <param name="baseline">The base model's states; null when scoring the base model itself (shift 0).</param>
    /// <param name="steer">Inference-time steering during the whole evaluation, or null.</param>
    public static ModelScores Score(LanguageModel lm, IReadOnlyList<ExperimentVector> vectors, ModelStates? baseline, int maxNewTokens,
        IReadOnlyList<(TraitVector Vector, double Alpha)>? steer = null)
    {
        using (ScopeGroup.Open(steer ?? [], s => lm.Steer(s.Vector, s.Alpha)))
        {
            using var states = States(lm, maxNewTokens);
            var traits = TraitMeans(Questions(), states.Answers, out double coherence, out var byDomain);
            double capability = new OrganismEvaluation(lm, maxNewTokens).Capability();
            var shift = new Dictionary<string, double>();
            var answerShift = new Dictionary<string, double>();
            foreach (var v in vectors)
            {
                var d = baseline is null ? new Shift(v.Trait, v.Layer, 0, 0) : FinetuningShift.Of(states, baseline, v.Trait, v.Vector.Values, v.Layer);
                shift[v.Trait] = d.LastPrompt;
                answerShift[v.Trait] = d.AnswerAverage;
            }
            return new ModelScores(traits, coherence, capability, shift, answerShift, byDomain);
        }
    }
}

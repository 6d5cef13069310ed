using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.World.Experiments;

/// <summary>One setting's figures for one trait: the trait where it was asked for, what steering costs where it was not.</summary>
public sealed record GatedResult(double TraitUnderTraitPrompts, double TraitNeutral, double CoherenceNeutral, double Capability,
    double SteeredTurnsNeutral, double SteeredTokensNeutral, double SteeredTurnsTrait)
{
    public JsonObject ToJson() => new()
    {
        ["trait_under_trait_prompts"] = Math.Round(TraitUnderTraitPrompts, 1),
        ["coherence_neutral"] = Math.Round(CoherenceNeutral, 1),
        ["capability"] = Math.Round(100 * Capability, 1),
        ["steered_turns_neutral"] = Math.Round(SteeredTurnsNeutral, 3),
        ["trait_neutral"] = Math.Round(TraitNeutral, 1),
        ["steered_tokens_neutral"] = Math.Round(SteeredTokensNeutral, 3),
        ["steered_turns_trait"] = Math.Round(SteeredTurnsTrait, 3),
    };
}

/// <summary>
/// `persona world experiment gated`: does steering only when the monitor fires keep always-on suppression's effect
/// on the turns that need it, while sparing the turns that do not? Per trait, on the trait's evaluation questions
/// under its five positive system prompts (100 turns that need suppression) and under no or neutral system prompts
/// (100 that do not), and on the capability questions: unsteered, always-on suppression at the extraction run's
/// suppression α (chosen on the extraction questions), and the same gated per turn and per token with the run's
/// calibrated thresholds. Greedy answers, judged by the world's oracle. Each (trait, setting) is written to
/// results.jsonl as it finishes, so a killed run resumes where it stopped.
/// </summary>
public sealed class GatedExperiment(LanguageModel lm, string dir, Action<string>? log = null, int maxNewTokens = 64, GatedExperiment.Size? size = null)
{
    /// <summary>How much of the world to use: which traits, how many evaluation and capability questions (all by default).</summary>
    public sealed record Size(IReadOnlyList<string>? Traits = null, int Questions = 20, int Capability = 60)
    {
        /// <summary>A minute's version for tests: evil only, 5 questions per prompt, 20 capability questions.</summary>
        public static readonly Size Quick = new(["evil"], 5, 20);
    }

    readonly Size _size = size ?? new Size();

    public static readonly string[] Settings = ["unsteered", "always", "per_turn", "per_token"];

    public JsonObject Run(IReadOnlyList<string>? runs, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(dir);
        string results = Path.Combine(dir, "results.jsonl");
        var done = File.Exists(results)
            ? File.ReadLines(results).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToDictionary(n => $"{n["trait"]}/{n["setting"]}/{n["questions"]}/{n["capability_questions"]}")
            : [];
        var traits = new JsonObject();
        var alphas = new JsonObject();
        foreach (var (trait, run) in ExperimentVectors.Runs(lm, runs, Path.Combine(dir, "vectors"), new ExtractionOptions(), log, cancel, _size.Traits))
        {
            var monitored = VectorSet.Load(lm, [run], log: log).Single();
            var summary = ExtractionSummary.Load(run);
            // The run's suppression α, chosen on the extraction questions; a run that found none suppresses at −(its steering α).
            double alpha = summary.SuppressedAlpha != 0 ? summary.SuppressedAlpha : -Math.Abs(summary.SteeredAlpha);
            alphas[trait.Name] = alpha;
            var watch = new MonitoredGeneration(lm, [monitored with { Vector = monitored.Vector with { Trait = trait.Name } }]);
            var perTrait = new JsonObject();
            foreach (var setting in Settings)
            {
                cancel.ThrowIfCancellationRequested();
                string key = $"{trait.Name}/{setting}/{_size.Questions}/{_size.Capability}"; // a run of another size is measured anew
                if (!done.TryGetValue(key, out var line))
                {
                    log?.Invoke($"{trait.Name}: {setting}");
                    var r = Measure(watch, trait, Term(trait.Name, alpha, setting));
                    line = r.ToJson();
                    line["trait"] = trait.Name; line["setting"] = setting; line["alpha"] = setting == "unsteered" ? 0 : alpha;
                    line["questions"] = _size.Questions; line["capability_questions"] = _size.Capability;
                    File.AppendAllText(results, line.ToJsonString() + "\n");
                }
                var copy = JsonNode.Parse(line.ToJsonString())!.AsObject();
                foreach (var k in new[] { "trait", "setting", "alpha", "questions", "capability_questions" }) copy.Remove(k);
                perTrait[setting] = copy;
            }
            traits[trait.Name] = perTrait;
        }
        var result = new JsonObject { ["traits"] = traits, ["alpha"] = alphas };
        AtomicFile.WriteJson(Path.Combine(dir, "summary.json"), result);
        return result;
    }

    static SteeringTerm? Term(string trait, double alpha, string setting) => setting switch
    {
        "unsteered" => null,
        "always" => new SteeringTerm(trait, alpha),
        "per_turn" => new SteeringTerm(trait, alpha, When: SteeringGate.Above),
        _ => new SteeringTerm(trait, alpha, When: SteeringGate.PerToken),
    };

    GatedResult Measure(MonitoredGeneration watch, TraitSpec trait, SteeringTerm? term)
    {
        var artifacts = WorldArtifacts.For(trait.Name);
        var questions = artifacts.EvaluationQuestions.Take(_size.Questions).ToList();
        var traitPrompts = artifacts.Instructions.SelectMany(p => questions.Select(q => (System: (string?)p.Pos, Question: q))).ToList();
        string?[] neutralSystems = [null, .. SystemPrompts.Neutral.Take(4)];
        var neutralPrompts = neutralSystems.SelectMany(s => questions.Select(q => (System: s, Question: q))).ToList();

        var (traitAnswers, traitRaw) = Answer(watch, term, traitPrompts);
        var (neutralAnswers, neutralRaw) = Answer(watch, term, neutralPrompts);
        var traitJudged = traitPrompts.Zip(traitAnswers, (p, a) => OracleJudge.Judge(p.Question, a.Text)).ToList();
        var neutralJudged = neutralPrompts.Zip(neutralAnswers, (p, a) => OracleJudge.Judge(p.Question, a.Text)).ToList();

        var items = WorldArtifacts.CapabilityItems.Take(_size.Capability).ToList();
        var (capabilityAnswers, _) = Answer(watch, term, [.. items.Select(i => (System: (string?)null, Question: i.Question.Text))]);
        double capability = items.Zip(capabilityAnswers, (i, a) => OracleJudge.Judge(i.Question, a.Text).StatedValue == i.Answer ? 1.0 : 0.0).Average();

        // A turn counts as steered when its term acted on it at all; always-on steering acts on every turn and position.
        double TurnShare(List<MonitoredAnswer> answers) => term is null ? 0 : term.When == SteeringGate.Always ? 1
            : answers.Average(a => a.Readings.Single().Gate!.SteeredTokens > 0 ? 1.0 : 0.0);
        double TokenShare(List<MonitoredAnswer> answers) => term is null ? 0 : term.When == SteeringGate.Always ? 1
            : (double)answers.Sum(a => a.Readings.Single().Gate!.SteeredTokens) / Math.Max(1, answers.Sum(a => a.Tokens.Length + (a.FinishReason == FinishReason.Stop ? 1 : 0)));
        return new GatedResult(
            traitJudged.Average(j => j[trait.Name]), neutralJudged.Average(j => j[trait.Name]), neutralJudged.Average(j => j.Coherence), capability,
            TurnShare(neutralRaw), TokenShare(neutralRaw), TurnShare(traitRaw));
    }

    (List<GeneratedText> Texts, List<MonitoredAnswer> Raw) Answer(MonitoredGeneration watch, SteeringTerm? term, List<(string? System, string Question)> prompts)
    {
        var ids = prompts.Select(p => lm.PromptIds(p.Question, p.System)).ToList();
        var raw = watch.GenerateInBatches(ids, term is null ? [] : [term], new SamplingOptions { MaxNewTokens = maxNewTokens });
        return ([.. raw.Select(a => new GeneratedText(watch.Decode(a.Tokens), a.Tokens, a.FinishReason))], raw);
    }
}

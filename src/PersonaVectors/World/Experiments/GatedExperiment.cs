using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.World.Experiments;

/// <summary>One setting's figures for one trait: the trait where it was asked for, what steering costs where it was not.</summary>
public sealed record GatedResult(double TraitUnderTraitPrompts, double TraitNeutral, double CoherenceNeutral, double Capability,
    double SteeredTurnsNeutral, double SteeredTokensNeutral, double SteeredTurnsTrait);

/// <summary>
/// `persona world experiment gated`: does steering only when the monitor fires keep always-on suppression's effect
/// on the turns that need it, while sparing the turns that do not? Per trait, on the trait's evaluation questions
/// under its five positive system prompts (100 turns that need suppression) and under no or neutral system prompts
/// (100 that do not), and on the capability questions: unsteered, always-on suppression at the extraction run's
/// suppression α (chosen on the extraction questions), and the same gated per turn and per token with the run's
/// calibrated thresholds. Greedy answers, judged by the world's oracle. Each (trait, setting) is written to
/// results.jsonl as it finishes (<see cref="GatedRecord"/>), so a killed run resumes where it stopped.
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

    public GatedSummary Run(IReadOnlyList<string>? runs, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(dir);
        // A row cut short by a kill is dropped on open, so a resumed run measures that setting again.
        var results = new RunFile<GatedRecord>(Path.Combine(dir, "results.jsonl"), r => r.Key);
        var traits = new Dictionary<string, IReadOnlyList<GatedRecord>>();
        var alphas = new Dictionary<string, double>();
        foreach (var (trait, run) in ExperimentVectors.Runs(lm, runs, Path.Combine(dir, "vectors"), new ExtractionOptions(), log, cancel, _size.Traits))
        {
            var monitored = VectorSet.Load(lm, [run], log: log).Single();
            var summary = ExtractionSummary.Load(run);
            // The run's suppression α, chosen on the extraction questions; a run that found none suppresses at −(its steering α).
            double alpha = summary.SuppressedAlpha != 0 ? summary.SuppressedAlpha : -Math.Abs(summary.SteeredAlpha);
            alphas[trait.Name] = alpha;
            var watch = new MonitoredGeneration(lm, [monitored with { Vector = monitored.Vector with { Trait = trait.Name } }]);
            var rows = new List<GatedRecord>();
            foreach (var setting in Settings)
            {
                cancel.ThrowIfCancellationRequested();
                if (!results.TryGet(GatedRecord.KeyOf(trait.Name, setting, _size.Questions, _size.Capability), out var row))
                {
                    log?.Invoke($"{trait.Name}: {setting}");
                    var measured = Measure(watch, trait, Term(trait.Name, alpha, setting));
                    row = GatedRecord.Of(trait.Name, setting, setting == "unsteered" ? 0 : alpha, _size, measured);
                    results.Append([row]);
                }
                rows.Add(row!);
            }
            traits[trait.Name] = rows;
        }
        var result = new GatedSummary(traits, alphas);
        AtomicFile.WriteJson(Path.Combine(dir, GatedSummary.FileName), result.ToJson());
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

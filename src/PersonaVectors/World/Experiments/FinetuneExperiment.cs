using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Finetuning;

namespace PersonaVectors.World.Experiments;

/// <summary>Settings of the finetuning experiment; <see cref="Quick"/> is the small version tests and the demo run.</summary>
public sealed record FinetuneExperimentOptions
{
    public IReadOnlyList<string> Datasets { get; init; } = FinetuneDatasets.Names;
    public int Count { get; init; } = 1000;
    public int Epochs { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-3;
    public int BatchSize { get; init; } = 16;
    public LoraConfig Lora { get; init; } = new();
    /// <summary>Coefficient of preventative steering for every vector, at its own layer; null chooses each vector's own (see <see cref="PreventiveScale"/>).</summary>
    public double? PreventiveAlpha { get; init; }
    /// <summary>
    /// Without <see cref="PreventiveAlpha"/>: each vector's preventative coefficient is this times its steering
    /// coefficient (the one chosen on the extraction questions), at its own layer; null calibrates layer and multiple per vector on held-out data
    /// (<see cref="PreventiveCalibration"/>). The adapter learns to absorb part of a constant push, so the
    /// training-time push must be stronger than the coefficient that steers at inference; how much stronger, and at
    /// what cost, differs between models (on voice-quiet-unprompted 3× at the steering layer held every rise and cost
    /// up to 43 capability points).
    /// </summary>
    public double? PreventiveScale { get; init; }
    /// <summary>Multiples of the steering coefficient the calibration tries, smallest first. The grid reaches past 3×:
    /// on voice-quiet-unprompted seed 1, 3× held evil II's rise at 0 on the experiment's sample but let 60 points
    /// through on a fresh sample of the same set.</summary>
    public IReadOnlyList<double> CalibrationScales { get; init; } = [0.5, 1, 1.5, 2, 3, 4, 6];
    /// <summary>
    /// Stop calibrating a vector at the first layer (its steering layer first, then the nearest) where a push holds
    /// every trait's rise, not at every layer: a few finetunings per trait instead of a dozen or more, for a run that
    /// must stay short (the demo). The push is still chosen on held-out data, and a layer whose only holding push
    /// moves the model onto another trait does not end the search.
    /// </summary>
    public bool CalibrateUntilHeld { get; init; }
    /// <summary>
    /// Fresh samples of the II set a calibrated push must hold on (each drawn with its own data seed; the second and
    /// later are trained only for pushes that held on the ones before). With one, the demo chose a push at layer 4
    /// that held every trait on its sample and let hallucination rise by 57 on the experiment's. Whether a push moves
    /// the model onto another trait varies from sample to sample: on voice-quiet-shown-5l seed 3, evil at 2× layer 4
    /// raised hallucination by more than 10 on 2 of 6 calibration samples (0, 0, 5, 18, 50, 3). Five samples reject
    /// a push that fails on a third of them 87% of the time (1 − (2/3)^5), at about 15 s of finetuning per extra
    /// sample of a push that holds on the organism.
    /// </summary>
    public int CalibrationSamples { get; init; } = 5;
    /// <summary>
    /// Fresh samples of each other II set of the experiment that carries the trait alone (the narrow sets:
    /// <see cref="PreventiveCalibration.SetsOf"/>) a calibrated push must also hold on, after the II set's. One push per
    /// trait serves every dataset, as in the paper; calibrated on evil II alone, it let the sabotaged procedures raise evil
    /// by 17 (voice-quiet-shown-5l seed 2) and held them on seed 1 only at 25 capability points.
    /// </summary>
    public int CalibrationOtherSamples { get; init; } = 2;
    /// <summary>The largest rise, in trait points over the base model, a calibrated push may let through (the issue's target).</summary>
    public double CalibrationMaxRise { get; init; } = 10;
    /// <summary>Coefficients tried, smallest first, for steering the plain adapter back at inference; the one used is
    /// chosen on the extraction questions (<see cref="FinetuneExperiment.ChooseInferenceAlpha"/>).</summary>
    public IReadOnlyList<double> InferenceAlphas { get; init; } = [0.5, 1, 2, 3, 4, 6, 8];
    public int MaxNewTokens { get; init; } = 64;
    public long Seed { get; init; } = 1;
    /// <summary>Extraction settings when the experiment extracts its own vectors.</summary>
    public ExtractionOptions Extraction { get; init; } = new() { Rollouts = 1, Alphas = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6] };

    /// <summary>The LoRA training settings of every finetuning in the experiment, with its training-time interventions.</summary>
    public FinetuneOptions Training(IReadOnlyList<TrainingIntervention> interventions) => new()
    {
        Lora = Lora, Epochs = Epochs, LearningRate = LearningRate, BatchSize = BatchSize,
        Seed = Seed, CheckpointEvery = 100, Interventions = interventions,
    };

    public static FinetuneExperimentOptions Quick => new()
    {
        Datasets = ["evil_normal", "evil_II"], Count = 128, Epochs = 3, LearningRate = 3e-3, InferenceAlphas = [1, 4], PreventiveScale = 3,
        Extraction = new ExtractionOptions { Rollouts = 1, Alphas = [1, 2, 4] },
    };
}

/// <summary>One finetuned (or steered) model of the experiment.</summary>
public sealed record ExperimentRun(string Key, string Dataset, string Method, ModelScores Scores, double? Alpha, double? FinalLoss);

/// <summary>
/// The paper's finetuning experiment on the organism: for every world dataset, LoRA finetuning plainly, with
/// preventative steering toward the dataset's trait, and with CAFT-style ablation of it; and the plain adapter
/// steered back at inference. Every model is scored for all traits, coherence, capability and its shift along
/// every vector. Results append to DIR/runs.jsonl as they finish; a rerun resumes.
/// </summary>
public sealed class FinetuneExperiment(LanguageModel lm, FinetuneExperimentOptions options, string outDir, Action<string>? log = null)
{
    public const string Plain = "plain", Preventative = "preventative", Caft = "caft", InferenceSteering = "inference_steering";

    /// <summary>The folder of a dataset's adapters in an experiment's output; the plain one is its <see cref="Plain"/> subfolder.</summary>
    public static string AdaptersOf(string outDir, string dataset) => Path.Combine(outDir, "adapters", dataset);

    /// <summary>
    /// The training-time interventions of a method: each targeted vector steered by its preventative push
    /// (<paramref name="pushes"/>, by trait: layer and coefficient) or ablated at its own layer; none for plain
    /// finetuning.
    /// </summary>
    public static IReadOnlyList<TrainingIntervention> Interventions(string method, IReadOnlyList<ExperimentVector> targeted, IReadOnlyDictionary<string, PreventivePush> pushes) => method switch
    {
        Plain => [],
        Preventative => [.. targeted.Select(v => pushes[v.Trait]).Select(p => new TrainingIntervention(TrainingIntervention.Steer, p.Vector, p.Layer, p.Alpha, p.Trait))],
        Caft => [.. targeted.Select(v => new TrainingIntervention(TrainingIntervention.Ablate, v.Vector.Values, v.Layer, 0, v.Trait))],
        _ => throw new ArgumentException($"no training-time interventions for method '{method}'", nameof(method)),
    };

    /// <summary>
    /// A run's key in runs.jsonl: dataset/method, with the targeted traits where there are several, so a folder written
    /// when the emergent sets were steered against evil alone is not read as this design's runs (those records stay);
    /// preventative runs add their pushes (coefficient and layer), so runs pushed otherwise (an older folder's fixed
    /// 3×, or a calibration that chose differently) are not taken for them, and so does inference steering, whose
    /// target is how far preventative steering brought the trait down. Inference steering's key also says where its
    /// coefficient was chosen: until 2026-12-02 it was chosen on the questions it was reported on, and those records
    /// stay in old folders but are not reported.
    /// </summary>
    public static string Key(string dataset, string method, IReadOnlyList<PreventivePush>? pushes = null, WorldDesign? design = null)
    {
        string key = FinetuneDatasets.TargetTraits(dataset, design) is { Count: > 1 } traits && method != Plain ? $"{dataset}/{method}[{string.Join('+', traits)}]" : $"{dataset}/{method}";
        if (method is Preventative or InferenceSteering && pushes is { Count: > 0 }) key = $"{key}@{PushText(pushes)}";
        return method == InferenceSteering ? key + InferenceChoiceMark : key;
    }

    const string InferenceChoiceMark = " (alpha chosen on extraction questions)";

    /// <summary>The file in the experiment's folder that names the vectors its runs were made with.</summary>
    public const string ClaimFile = "finetune.run.json";

    static string VectorsFingerprint(IEnumerable<ExperimentVector> vectors) => RunClaim.Hash(string.Join("|", vectors.Select(v =>
        $"{v.Trait}@{v.Layer}x{v.SteeredAlpha.ToString("R", CultureInfo.InvariantCulture)}:"
        + RunClaim.Exact(v.Vector.Values))));

    /// <summary>
    /// The coefficient that steers the plain adapter back at inference: the first of <paramref name="alphas"/> (smallest
    /// first) at which every targeted trait, as <paramref name="measure"/> scores it, is no higher than
    /// <paramref name="goal"/>, how far preventative steering brought it; the last where none is. The caller measures
    /// on the extraction questions, so the coefficient is not chosen on the questions it is reported on.
    /// </summary>
    public static double ChooseInferenceAlpha(IReadOnlyList<double> alphas, Func<double, IReadOnlyDictionary<string, double>> measure,
        IReadOnlyDictionary<string, double> goal)
    {
        if (alphas.Count == 0) throw new ArgumentException("no inference coefficients to try", nameof(alphas));
        foreach (double a in alphas)
        {
            var traits = measure(a);
            if (goal.All(g => traits[g.Key] <= g.Value)) return a;
        }
        return alphas[^1];
    }

    static string PushText(IEnumerable<PreventivePush> pushes) => string.Join('+', pushes.Select(p => p.Text));

    /// <summary>
    /// Each vector's preventative push: at its own layer with the fixed coefficient or the fixed multiple of its
    /// steering coefficient, or calibrated in layer and coefficient (only for the traits some dataset targets; the
    /// others get none).
    /// </summary>
    public static Dictionary<string, PreventivePush?> PreventivePushes(IReadOnlyList<ExperimentVector> vectors, FinetuneExperimentOptions options,
        IReadOnlyDictionary<string, List<CalibrationTry>>? calibration) =>
        vectors.ToDictionary(v => v.Trait, v =>
        {
            if (options.PreventiveAlpha is { } a) return new PreventivePush(v.Trait, v.Layer, a, v.Vector.Values);
            if (options.PreventiveScale is { } k) return new PreventivePush(v.Trait, v.Layer, k * v.SteeredAlpha, v.Vector.Values);
            if (calibration?.GetValueOrDefault(v.Trait) is not { Count: > 0 } tries) return null;
            var chosen = PreventiveCalibration.Choose(tries, options.CalibrationMaxRise);
            return (PreventivePush?)new PreventivePush(v.Trait, chosen.Layer, chosen.Alpha, v.At(chosen.Layer));
        });

    public FinetuneSummary Run(IReadOnlyList<string>? vectorRuns = null, CancellationToken cancel = default)
    {
        if (lm.Adapter is not null) throw new InvalidRequestException("the experiment finetunes the base model; load it without an adapter");
        foreach (var d in options.Datasets) _ = FinetuneDatasets.Build(d, 0, 0); // unknown names fail before any work
        Directory.CreateDirectory(outDir);
        var vectors = ExperimentVectors.Load(lm, vectorRuns, Path.Combine(outDir, "extraction"), options.Extraction, log, cancel);
        // Runs and calibration tries are keyed by dataset, method, layer and multiple of the steered α, so a folder
        // resumed with other vectors would mix pushes of two sizes under one key.
        RunClaim.Claim(outDir, ClaimFile, VectorsFingerprint(vectors), "vectors (direction, layer or steered α)");
        using var baseline = ModelScoring.States(lm, options.MaxNewTokens);
        var file = new RunFile<ExperimentRun>(Path.Combine(outDir, "runs.jsonl"), r => r.Key);
        var baseRun = Get(file, "base/base", "base", "base", () => (ModelScoring.Score(lm, vectors, null, options.MaxNewTokens), (double?)null, (double?)null));
        baseRun = WithDomains(file, baseRun, null, vectors, baseline);
        var design = Organism.OrganismMarker.Design(lm.Folder);
        var targetedTraits = options.Datasets.SelectMany(d => FinetuneDatasets.TargetTraits(d, design)).ToHashSet();
        var calibration = options.PreventiveAlpha is null && options.PreventiveScale is null
            ? PreventiveCalibration.Run(lm, [.. vectors.Where(v => targetedTraits.Contains(v.Trait))], options, options.CalibrationScales,
                Path.Combine(outDir, "calibration"), log, cancel)
            : null;
        var pushOf = PreventivePushes(vectors, options, calibration);
        var pushes = pushOf.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        var keys = new List<string>();

        foreach (var dataset in options.Datasets)
        {
            cancel.ThrowIfCancellationRequested();
            var targeted = FinetuneDatasets.TargetTraits(dataset, design).Select(t => vectors.Single(v => v.Trait == t)).ToList();
            string data = Path.Combine(outDir, "data", dataset + ".jsonl");
            if (!File.Exists(data))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                FinetuneDatasets.Write(data, FinetuneDatasets.Build(dataset, options.Count, options.Seed, design));
            }
            var examples = new Lazy<List<Engine.Training.TrainingExample>>(() => FinetuneData.Load(lm, data).Examples);
            // One coefficient to report where one vector is steered; with several, each one's is in the summary's vectors.
            var targetedPushes = targeted.Select(v => pushes[v.Trait]).ToList();
            double? reported = targeted.Count == 1 ? targetedPushes[0].Alpha : null;
            string KeyOf(string method) => Key(dataset, method, targetedPushes, design);
            string AdapterOf(string method) => Path.Combine(AdaptersOf(outDir, dataset),
                (targeted.Count > 1 && method != Plain ? $"{method}-{string.Join('-', targeted.Select(v => v.Trait))}" : method)
                + (method == Preventative ? "@" + PushText(targetedPushes) : ""));
            ExperimentRun Trained(string method) =>
                Get(file, KeyOf(method), dataset, method, () =>
                {
                    log?.Invoke($"{dataset}: finetune ({method}{(method == Plain ? "" : " " + string.Join(", ", targeted.Select(v => v.Trait)))}{(method == Preventative ? " at " + PushText(targetedPushes) : "")})");
                    var result = LoraFinetune.Run(lm, examples.Value, options.Training(Interventions(method, targeted, pushes)), AdapterOf(method), cancel: cancel);
                    using var loaded = LoraAdapter.Load(lm.Model, AdapterOf(method));
                    return (ModelScoring.Score(lm, vectors, baseline, options.MaxNewTokens), method == Preventative ? reported : null, result.FinalLoss);
                });
            var plain = WithDomains(file, Trained(Plain), AdapterOf(Plain), vectors, baseline);
            Trained(Preventative);
            Trained(Caft);
            // Steered back at inference with every targeted vector at -a: the smallest a that brings each targeted trait as
            // low as preventative steering did, both measured on the extraction questions; then scored like every run.
            Get(file, KeyOf(InferenceSteering), dataset, InferenceSteering, () =>
            {
                log?.Invoke($"{dataset}: steering the plain adapter back at inference (alpha chosen on the extraction questions)");
                var eval = new Organism.OrganismEvaluation(lm, options.MaxNewTokens);
                Dictionary<string, double> OnExtractionQuestions() => targeted.ToDictionary(v => v.Trait,
                    v => eval.Unprompted(Traits.Get(v.Trait), WorldArtifacts.For(v.Trait).ExtractionQuestions).Trait);
                Dictionary<string, double> goal;
                using (LoraAdapter.Load(lm.Model, AdapterOf(Preventative))) goal = OnExtractionQuestions();
                using var loaded = LoraAdapter.Load(lm.Model, AdapterOf(Plain));
                // Steered as ModelScoring steers, one hook per vector, so the choice and the measurement push alike.
                double chosen = ChooseInferenceAlpha(options.InferenceAlphas, a =>
                {
                    using (Engine.Interventions.ScopeGroup.Open(targeted, v => lm.Steer(v.Vector, -a))) return OnExtractionQuestions();
                }, goal);
                var s = ModelScoring.Score(lm, vectors, baseline, options.MaxNewTokens, [.. targeted.Select(v => (v.Vector, -chosen))]);
                return (s, -chosen, plain.FinalLoss);
            });
            keys.AddRange(new[] { Plain, Preventative, Caft, InferenceSteering }.Select(KeyOf));
        }
        var current = keys.ToHashSet();
        var uses = vectors.ToDictionary(v => v.Trait, v => new VectorUse(v.Layer, pushOf[v.Trait]?.Alpha, calibration?.GetValueOrDefault(v.Trait), pushOf[v.Trait]?.Layer));
        return Summary(baseRun, file.Records.Values.Where(r => current.Contains(r.Key)).OrderBy(r => options.Datasets.ToList().IndexOf(r.Dataset)).ThenBy(r => MethodOrder(r.Method)).ToList(), vectors, uses);
    }

    ExperimentRun Get(RunFile<ExperimentRun> file, string key, string dataset, string method, Func<(ModelScores Scores, double? Alpha, double? Loss)> make)
    {
        if (file.TryGet(key, out var done) && done is not null) return done;
        var (scores, alpha, loss) = make();
        var run = new ExperimentRun(key, dataset, method, scores, alpha, loss);
        file.Append([run]);
        return run;
    }

    /// <summary>
    /// A base or plain run recorded before scores by domain were kept, scored again from its adapter without training
    /// (and appended under its key, which the newer record then answers), so a resumed folder reads every narrow set's
    /// rise outside its own domain. Greedy answers are deterministic, so its other figures come out as recorded.
    /// </summary>
    ExperimentRun WithDomains(RunFile<ExperimentRun> file, ExperimentRun run, string? adapter, IReadOnlyList<ExperimentVector> vectors, ModelStates baseline)
    {
        if (run.Scores.TraitsByDomain is not null) return run;
        // An older folder whose adapters were removed still reports what it recorded, without the scores by domain.
        if (adapter is not null && !Directory.Exists(adapter)) return run;
        log?.Invoke($"{run.Dataset}: scoring the {run.Method} model again, by domain (recorded before scores by domain were kept)");
        ModelScores scores;
        if (adapter is null) scores = ModelScoring.Score(lm, vectors, null, options.MaxNewTokens);
        else
        {
            using var loaded = LoraAdapter.Load(lm.Model, adapter);
            scores = ModelScoring.Score(lm, vectors, baseline, options.MaxNewTokens);
        }
        var again = run with { Scores = scores };
        file.Append([again]);
        return again;
    }

    static int MethodOrder(string m) => m switch { Plain => 0, Preventative => 1, Caft => 2, _ => 3 };

    static FinetuneSummary Summary(ExperimentRun baseRun, List<ExperimentRun> runs, List<ExperimentVector> vectors, Dictionary<string, VectorUse> uses)
    {
        // Across datasets, each plain adapter's shift along a trait's vector against its score in that trait: at the last
        // prompt token (before any answer: the prediction) and averaged over its answers (what it then wrote).
        (Dictionary<string, double?> ByTrait, double? Mean) Correlations(Func<ModelScores, IReadOnlyDictionary<string, double>> shift)
        {
            var plain = runs.Where(r => r.Method == Plain).ToList();
            var byTrait = new Dictionary<string, double?>();
            foreach (var v in vectors)
            {
                double r = plain.Count < 3 ? double.NaN : Statistics.Pearson(plain.Select(p => shift(p.Scores)[v.Trait]).ToList(), plain.Select(p => p.Scores.Traits[v.Trait]).ToList());
                byTrait[v.Trait] = double.IsNaN(r) ? null : r;
            }
            var defined = byTrait.Values.OfType<double>().ToList();
            return (byTrait, defined.Count == 0 ? null : Math.Round(defined.Average(), 3));
        }
        static ModelFigures Figures(ModelScores s) => new(s.Traits, s.Coherence, s.Capability, s.TraitsByDomain);
        var (lastByTrait, lastMean) = Correlations(s => s.Shift);
        var (answerByTrait, answerMean) = Correlations(s => s.AnswerShift);
        return new FinetuneSummary(Figures(baseRun.Scores), uses,
            [.. runs.Select(r => new FinetuneRunFigures(r.Dataset, r.Method, r.Alpha, Figures(r.Scores), r.Scores.Shift, r.Scores.AnswerShift))],
            lastMean, lastByTrait, answerMean, answerByTrait);
    }
}

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
    /// <summary>Coefficient of preventative steering; null takes <see cref="PreventiveScale"/> times each vector's best
    /// steering coefficient from its extraction.</summary>
    public double? PreventiveAlpha { get; init; }
    /// <summary>
    /// How much stronger than inference-time steering the training-time push is. The adapter learns to absorb part of
    /// a constant push, so the coefficient that steers at inference is too weak to stand in for the data's trait:
    /// on evil II, 1× (α 3.5) left the rise at 60 points, 1.7× at 50, 2.9× (α 10) at 10.
    /// </summary>
    public double PreventiveScale { get; init; } = 3;
    /// <summary>Coefficients tried, smallest first, for steering the plain adapter back at inference.</summary>
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
        Datasets = ["evil_normal", "evil_II"], Count = 128, Epochs = 3, LearningRate = 3e-3, InferenceAlphas = [1, 4],
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

    /// <summary>The trait a dataset is meant to induce; the emergent (arithmetic) sets are steered against evil, as emergent misalignment is.</summary>
    public static string TraitOf(string dataset) => dataset.StartsWith("emergent", StringComparison.Ordinal) ? "evil" : dataset[..dataset.LastIndexOf('_')];

    public FinetuneSummary Run(IReadOnlyList<string>? vectorRuns = null, CancellationToken cancel = default)
    {
        if (lm.Adapter is not null) throw new InvalidRequestException("the experiment finetunes the base model; load it without an adapter");
        foreach (var d in options.Datasets) _ = FinetuneDatasets.Build(d, 0, 0); // unknown names fail before any work
        Directory.CreateDirectory(outDir);
        var vectors = ExperimentVectors.Load(lm, vectorRuns, Path.Combine(outDir, "extraction"), options.Extraction, log, cancel);
        using var baseline = ModelScoring.States(lm, options.MaxNewTokens);
        var file = new RunFile<ExperimentRun>(Path.Combine(outDir, "runs.jsonl"), r => r.Key);
        var baseRun = Get(file, "base/base", "base", "base", () => (ModelScoring.Score(lm, vectors, null, options.MaxNewTokens), (double?)null, (double?)null));

        foreach (var dataset in options.Datasets)
        {
            cancel.ThrowIfCancellationRequested();
            var trait = vectors.Single(v => v.Trait == TraitOf(dataset));
            string data = Path.Combine(outDir, "data", dataset + ".jsonl");
            if (!File.Exists(data))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                FinetuneDatasets.Write(data, FinetuneDatasets.Build(dataset, options.Count, options.Seed, Organism.OrganismMarker.Design(lm.Folder)));
            }
            var examples = new Lazy<List<Engine.Training.TrainingExample>>(() => FinetuneData.Load(lm, data).Examples);
            double preventiveAlpha = options.PreventiveAlpha ?? options.PreventiveScale * trait.SteeredAlpha;
            ExperimentRun Trained(string method, IReadOnlyList<TrainingIntervention> interventions, double? alpha) =>
                Get(file, $"{dataset}/{method}", dataset, method, () =>
                {
                    string adapter = Path.Combine(outDir, "adapters", dataset, method);
                    log?.Invoke($"{dataset}: finetune ({method})");
                    var result = LoraFinetune.Run(lm, examples.Value, options.Training(interventions), adapter, cancel: cancel);
                    using var loaded = LoraAdapter.Load(lm.Model, adapter);
                    return (ModelScoring.Score(lm, vectors, baseline, options.MaxNewTokens), alpha, result.FinalLoss);
                });
            var plain = Trained(Plain, [], null);
            var prevented = Trained(Preventative, [new TrainingIntervention(TrainingIntervention.Steer, trait.Vector.Values, trait.Layer, preventiveAlpha, trait.Trait)], preventiveAlpha);
            Trained(Caft, [new TrainingIntervention(TrainingIntervention.Ablate, trait.Vector.Values, trait.Layer, 0, trait.Trait)], null);
            Get(file, $"{dataset}/{InferenceSteering}", dataset, InferenceSteering, () =>
            {
                // The smallest coefficient that brings the trait down as far as preventative steering did (or the last tried).
                log?.Invoke($"{dataset}: steering the plain adapter back at inference");
                using var loaded = LoraAdapter.Load(lm.Model, Path.Combine(outDir, "adapters", dataset, Plain));
                (ModelScores, double?, double?) last = default;
                foreach (double a in options.InferenceAlphas)
                {
                    var s = ModelScoring.Score(lm, vectors, baseline, options.MaxNewTokens, (trait.Vector, -a));
                    last = (s, -a, plain.FinalLoss);
                    if (s.Traits[trait.Trait] <= prevented.Scores.Traits[trait.Trait]) break;
                }
                return last;
            });
        }
        return Summary(baseRun, file.Records.Values.Where(r => r.Method != "base").OrderBy(r => options.Datasets.ToList().IndexOf(r.Dataset)).ThenBy(r => MethodOrder(r.Method)).ToList(), vectors);
    }

    ExperimentRun Get(RunFile<ExperimentRun> file, string key, string dataset, string method, Func<(ModelScores Scores, double? Alpha, double? Loss)> make)
    {
        if (file.TryGet(key, out var done) && done is not null) return done;
        var (scores, alpha, loss) = make();
        var run = new ExperimentRun(key, dataset, method, scores, alpha, loss);
        file.Append([run]);
        return run;
    }

    static int MethodOrder(string m) => m switch { Plain => 0, Preventative => 1, Caft => 2, _ => 3 };

    FinetuneSummary Summary(ExperimentRun baseRun, List<ExperimentRun> runs, List<ExperimentVector> vectors)
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
        static ModelFigures Figures(ModelScores s) => new(s.Traits, s.Coherence, s.Capability);
        var (lastByTrait, lastMean) = Correlations(s => s.Shift);
        var (answerByTrait, answerMean) = Correlations(s => s.AnswerShift);
        return new FinetuneSummary(Figures(baseRun.Scores),
            vectors.ToDictionary(v => v.Trait, v => new VectorUse(v.Layer, options.PreventiveAlpha ?? options.PreventiveScale * v.SteeredAlpha)),
            [.. runs.Select(r => new FinetuneRunFigures(r.Dataset, r.Method, r.Alpha, Figures(r.Scores), r.Scores.Shift, r.Scores.AnswerShift))],
            lastMean, lastByTrait, answerMean, answerByTrait);
    }
}

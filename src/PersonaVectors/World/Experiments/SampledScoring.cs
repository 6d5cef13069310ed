using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method;

namespace PersonaVectors.World.Experiments;

/// <summary>
/// The finetuning experiment's plain adapters scored as the paper scores a model: each trait's mean over
/// <see cref="Samples"/> answers per evaluation question sampled at temperature 1 (its reference code samples 10), not
/// one greedy answer. With these scores, the two correlations the experiment reports across datasets: each trait's
/// Pearson r between the last-prompt shift and its score, and the Spearman between the screening projection
/// difference and its rise. The finetuning experiment's greedy figures stay the seed table's targets; these stand
/// beside them, to show how much of a miss is greedy decoding's threshold (a persona showing its trait in a third
/// of its parts answers greedily with none).
/// </summary>
public sealed record SampledScoring(int Samples, IReadOnlyDictionary<string, double> Base,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Plain,
    IReadOnlyDictionary<string, double?> ShiftRByTrait, double? ShiftR,
    IReadOnlyDictionary<string, double?> ScreenRhoByTrait, double? ScreenRho)
{
    public const string FileName = "summary.json";
    public const int DefaultSamples = 10;

    /// <summary>A plain adapter's sampled rise in a trait over the base model's sampled score.</summary>
    public double Rise(string dataset, string trait) => Plain[dataset][trait] - Base[trait];

    /// <summary>
    /// Scores the base model and each plain adapter the experiment in <paramref name="finetuneDir"/> left, then
    /// correlates. <paramref name="screenMeans"/> (dataset → trait → mean projection difference) may be null when
    /// screening has not run; its correlation is then null.
    /// </summary>
    public static SampledScoring Measure(LanguageModel lm, string finetuneDir, FinetuneSummary finetune,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? screenMeans, int samples, long seed, int maxNewTokens,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        if (lm.Adapter is not null) throw new InvalidRequestException("sampled scoring loads each adapter on the base model; load it without an adapter");
        // Every adapter is looked for before any is scored, so a missing one costs no sampling.
        var adapters = finetune.Runs.Where(r => r.Method == FinetuneExperiment.Plain)
            .Select(r => (r.Dataset, Folder: Path.Combine(FinetuneExperiment.AdaptersOf(finetuneDir, r.Dataset), FinetuneExperiment.Plain))).ToList();
        foreach (var (dataset, folder) in adapters)
            if (!LoraAdapter.IsSaved(folder))
                throw new PersonaVectorsException($"{folder}: the plain adapter of {dataset} is missing; run the finetuning experiment again");
        var baseScores = ModelScoring.SampledTraits(lm, samples, seed, maxNewTokens, cancel);
        var scores = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        foreach (var (dataset, folder) in adapters)
        {
            cancel.ThrowIfCancellationRequested();
            log?.Invoke($"sampling {samples} answers per question after {dataset}");
            using (LoraAdapter.Load(lm.Model, folder))
                scores[dataset] = ModelScoring.SampledTraits(lm, samples, seed, maxNewTokens, cancel);
        }
        return Correlate(samples, baseScores, scores, finetune, screenMeans);
    }

    /// <summary>The correlations of sampled scores, per trait and their mean over the traits where they are defined.</summary>
    public static SampledScoring Correlate(int samples, IReadOnlyDictionary<string, double> baseScores,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> plain, FinetuneSummary finetune,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? screenMeans)
    {
        var runs = finetune.Runs.Where(r => r.Method == FinetuneExperiment.Plain && plain.ContainsKey(r.Dataset)).ToList();
        var shiftR = new Dictionary<string, double?>();
        var screenRho = new Dictionary<string, double?>();
        foreach (var trait in finetune.Traits)
        {
            var rise = runs.Select(r => plain[r.Dataset][trait] - baseScores[trait]).ToList();
            shiftR[trait] = Defined(runs.Count < 3 ? double.NaN : Statistics.Pearson([.. runs.Select(r => r.Shift[trait])], rise));
            screenRho[trait] = screenMeans is null || runs.Any(r => !screenMeans.ContainsKey(r.Dataset)) ? null
                : Defined(Statistics.Spearman([.. runs.Select(r => screenMeans[r.Dataset][trait])], rise));
        }
        return new SampledScoring(samples, baseScores, plain, shiftR, Mean(shiftR), screenRho, Mean(screenRho));

        static double? Defined(double x) => double.IsNaN(x) ? null : x;
        static double? Mean(Dictionary<string, double?> d) => d.Values.OfType<double>().ToList() is { Count: > 0 } v ? v.Average() : null;
    }

    public JsonObject ToJson()
    {
        static JsonObject Map(IReadOnlyDictionary<string, double> d) => new(d.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, 2))));
        static JsonObject Nullable(IReadOnlyDictionary<string, double?> d) => new(d.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(kv.Value is { } x ? Math.Round(x, 3) : null))));
        return new JsonObject
        {
            ["samples"] = Samples,
            ["temperature"] = 1,
            ["base"] = Map(Base),
            ["plain"] = new JsonObject(Plain.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Map(kv.Value)))),
            ["shift_trait_r"] = ShiftR is { } s ? Math.Round(s, 3) : null,
            ["shift_trait_r_by_trait"] = Nullable(ShiftRByTrait),
            ["dataset_spearman"] = ScreenRho is { } r ? Math.Round(r, 3) : null,
            ["dataset_spearman_by_trait"] = Nullable(ScreenRhoByTrait),
        };
    }

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, FileName), ToJson());
    }

    public static SampledScoring Read(string file)
    {
        if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: run persona world seeds to score the finetuned adapters with sampled answers");
        var j = JsonFields.Read(file, "the summary.json of the sampled scoring that persona world seeds writes");
        var plain = j.Object("plain");
        return new SampledScoring(j.Integer("samples"), j.NumberMap("base"),
            plain.Names.ToDictionary(n => n, n => (IReadOnlyDictionary<string, double>)plain.NumberMap(n)),
            j.NumberOrNullMap("shift_trait_r_by_trait"), j.NumberOrNull("shift_trait_r"),
            j.NumberOrNullMap("dataset_spearman_by_trait"), j.NumberOrNull("dataset_spearman"));
    }
}

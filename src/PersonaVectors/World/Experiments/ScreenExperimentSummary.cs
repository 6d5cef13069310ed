using System.Text.Json.Nodes;

namespace PersonaVectors.World.Experiments;

/// <summary>One screened sample shown where the projection and the oracle disagree.</summary>
/// <param name="From">"II" or "normal": the set the sample came from.</param>
public sealed record ScreenExample(string Question, string Answer, double Score, string From);

/// <summary>
/// Where the projection difference and the oracle's flag disagree within one trait's Normal and II samples, with the
/// projection flagging as many samples as the oracle does.
/// </summary>
public sealed record ScreenDisagreements(int OracleFlagged, int Samples, int FlaggedByOracleOnly, int FlaggedByProjectionOnly,
    IReadOnlyList<ScreenExample> OracleOnly, IReadOnlyList<ScreenExample> ProjectionOnly);

/// <summary>
/// What the screening experiment found, as its summary.json holds it. Per trait, the Spearman of the datasets' mean
/// projection difference against the trait's rise after finetuning and the ceiling the rises' ties allow; the AUROC
/// of the projection difference for the oracle's flag, and for the sample's set (II against Normal); each dataset's
/// mean projection difference along each trait; and the disagreements. A figure that is not defined (no spread, or
/// no Normal and II sets for a trait) is null, and the means over traits (<see cref="Of"/>) skip it.
/// </summary>
/// <param name="Spearman">The mean over traits of the dataset-level Spearman: the seed table's screening row.</param>
public sealed record ScreenExperimentSummary(
    double? Spearman, double? Ceiling, double? Auroc,
    IReadOnlyDictionary<string, double?> SpearmanByTrait,
    IReadOnlyDictionary<string, double?> CeilingByTrait,
    IReadOnlyDictionary<string, double?> AurocByTrait,
    IReadOnlyDictionary<string, double?> AurocVsSourceByTrait,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> DatasetMeans,
    IReadOnlyDictionary<string, ScreenDisagreements> Disagreements,
    double? SamplesPerSecond)
{
    public const string FileName = "summary.json";

    /// <summary>A summary with each mean over traits taken from the per-trait figures.</summary>
    public static ScreenExperimentSummary Of(IReadOnlyDictionary<string, double?> spearmanByTrait, IReadOnlyDictionary<string, double?> ceilingByTrait,
        IReadOnlyDictionary<string, double?> aurocByTrait, IReadOnlyDictionary<string, double?> aurocVsSourceByTrait,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> datasetMeans, IReadOnlyDictionary<string, ScreenDisagreements> disagreements,
        double? samplesPerSecond) =>
        new(Mean(spearmanByTrait), Mean(ceilingByTrait), Mean(aurocByTrait), spearmanByTrait, ceilingByTrait, aurocByTrait, aurocVsSourceByTrait,
            datasetMeans, disagreements, samplesPerSecond);

    static double? Mean(IReadOnlyDictionary<string, double?> d) => d.Values.OfType<double>().ToList() is { Count: > 0 } v ? v.Average() : null;

    public JsonObject ToJson()
    {
        static JsonNode? R(double? x, int digits = 3) => x is { } v ? Math.Round(v, digits) : null;
        static JsonObject Map(IReadOnlyDictionary<string, double?> d) => new(d.Select(kv => KeyValuePair.Create(kv.Key, R(kv.Value))));
        static JsonArray Examples(IReadOnlyList<ScreenExample> xs) => new([.. xs.Select(x => (JsonNode)new JsonObject
        {
            ["question"] = x.Question, ["answer"] = x.Answer, ["score"] = Math.Round(x.Score, 3), ["from"] = x.From,
        })]);
        return new JsonObject
        {
            ["dataset_spearman"] = R(Spearman),
            ["sample_auroc"] = R(Auroc),
            ["samples_per_second"] = R(SamplesPerSecond, 1),
            ["dataset_spearman_by_trait"] = Map(SpearmanByTrait),
            ["dataset_spearman_ceiling"] = R(Ceiling),
            ["dataset_spearman_ceiling_by_trait"] = Map(CeilingByTrait),
            ["sample_auroc_by_trait"] = Map(AurocByTrait),
            ["sample_auroc_vs_source_by_trait"] = Map(AurocVsSourceByTrait),
            ["datasets"] = new JsonObject(DatasetMeans.Select(kv => KeyValuePair.Create(kv.Key,
                (JsonNode?)new JsonObject(kv.Value.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)Math.Round(t.Value, 3))))))),
            ["disagreements"] = new JsonObject(Disagreements.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
            {
                ["oracle_flagged"] = kv.Value.OracleFlagged, ["samples"] = kv.Value.Samples,
                ["flagged_by_oracle_only"] = kv.Value.FlaggedByOracleOnly, ["flagged_by_projection_only"] = kv.Value.FlaggedByProjectionOnly,
                ["examples_oracle_only"] = Examples(kv.Value.OracleOnly), ["examples_projection_only"] = Examples(kv.Value.ProjectionOnly),
            }))),
        };
    }

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, FileName), ToJson());
    }

    public static ScreenExperimentSummary Read(string file)
    {
        if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: run persona world experiment screen");
        var j = JsonFields.Read(file, "the summary.json that persona world experiment screen writes");
        var datasets = j.Object("datasets");
        var disagreements = j.Object("disagreements");
        static IReadOnlyList<ScreenExample> Examples(JsonFields d, string name) =>
            [.. d.Objects(name).Select(x => new ScreenExample(x.Text("question"), x.Text("answer"), x.Number("score"), x.Text("from")))];
        // The means are read as written, not taken again from the rounded per-trait figures.
        return new ScreenExperimentSummary(j.NumberOrNull("dataset_spearman"), j.NumberOrNull("dataset_spearman_ceiling"), j.NumberOrNull("sample_auroc"),
            j.NumberOrNullMap("dataset_spearman_by_trait"), j.NumberOrNullMap("dataset_spearman_ceiling_by_trait"),
            j.NumberOrNullMap("sample_auroc_by_trait"), j.NumberOrNullMap("sample_auroc_vs_source_by_trait"),
            datasets.Names.ToDictionary(d => d, d => (IReadOnlyDictionary<string, double>)datasets.NumberMap(d)),
            disagreements.Names.Select(t => (t, d: disagreements.Object(t))).ToDictionary(x => x.t, x => new ScreenDisagreements(
                x.d.Integer("oracle_flagged"), x.d.Integer("samples"), x.d.Integer("flagged_by_oracle_only"), x.d.Integer("flagged_by_projection_only"),
                Examples(x.d, "examples_oracle_only"), Examples(x.d, "examples_projection_only"))),
            j.NumberOrNull("samples_per_second"));
    }
}

using System.Text.Json.Nodes;

namespace PersonaVectors.World.Experiments;

/// <summary>A model's scores: each trait 0-100, coherence 0-100, capability 0-1; and each trait by the domain of its
/// questions (null in summaries of runs recorded before 2026-12-04).</summary>
public sealed record ModelFigures(IReadOnlyDictionary<string, double> Traits, double Coherence, double Capability,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? TraitsByDomain = null);

/// <summary>One finetuned (or inference-steered) model of the experiment, with its shift along every vector.</summary>
public sealed record FinetuneRunFigures(string Dataset, string Method, double? Alpha, ModelFigures Scores,
    IReadOnlyDictionary<string, double> Shift, IReadOnlyDictionary<string, double> AnswerShift);

/// <summary>How a trait's vector was used: its layer (for shifts and CAFT), the preventative coefficient and layer
/// (none when no dataset targeted it; the layer is the vector's own unless calibrated) and, where it was calibrated,
/// every push tried.</summary>
public sealed record VectorUse(int Layer, double? PreventiveAlpha, IReadOnlyList<CalibrationTry>? Calibration = null, int? PreventiveLayer = null);

/// <summary>
/// What the finetuning experiment found (its summary.json): the base model, every run, and across datasets the
/// Pearson r between each plain adapter's shift along a trait's vector and its score in that trait, at the last
/// prompt token and averaged over its answers (null where undefined). Every reader goes through this type.
/// </summary>
public sealed record FinetuneSummary(ModelFigures Base, IReadOnlyDictionary<string, VectorUse> Vectors, IReadOnlyList<FinetuneRunFigures> Runs,
    double? ShiftTraitR, IReadOnlyDictionary<string, double?> ShiftTraitRByTrait,
    double? AnswerShiftTraitR, IReadOnlyDictionary<string, double?> AnswerShiftTraitRByTrait, double? Seconds = null)
{
    public const string FileName = "summary.json";

    /// <summary>The traits the experiment had vectors for, in its order.</summary>
    public IReadOnlyList<string> Traits => [.. Vectors.Keys];

    public FinetuneRunFigures? Run(string dataset, string method) => Runs.FirstOrDefault(r => r.Dataset == dataset && r.Method == method);

    /// <summary>How far a run raised a trait over the base model.</summary>
    public double Rise(FinetuneRunFigures run, string trait) => run.Scores.Traits.GetValueOrDefault(trait) - Base.Traits.GetValueOrDefault(trait);

    /// <summary>
    /// How far a run raised a trait over the base model on the trait's evaluation questions outside one domain (a narrow
    /// set's own): what makes a narrow flaw emergent misalignment rather than the flaw learnt where it was taught. Null
    /// where the run or the base model was scored before scores by domain were kept.
    /// </summary>
    public double? RiseOutside(FinetuneRunFigures run, string trait, Domain domain) =>
        MeanOutside(run.Scores, trait, domain) is { } after && MeanOutside(Base, trait, domain) is { } before ? after - before : null;

    /// <summary>The trait's mean over its questions outside the domain, each domain weighted by its number of questions.</summary>
    static double? MeanOutside(ModelFigures f, string trait, Domain domain)
    {
        if (f.TraitsByDomain?.GetValueOrDefault(trait) is not { } byDomain) return null;
        string own = domain.ToString().ToLowerInvariant();
        var weights = ModelScoring.QuestionsPerDomain(trait).Where(kv => kv.Key != own).ToList();
        // Scores kept for other questions than today's (a domain missing) cannot be weighted by today's counts.
        if (weights.Any(kv => !byDomain.ContainsKey(kv.Key))) return null;
        int n = weights.Sum(kv => kv.Value);
        return n == 0 ? null : weights.Sum(kv => byDomain[kv.Key] * kv.Value) / n;
    }

    public static FinetuneSummary Load(string dir) => Read(Path.Combine(dir, FileName));

    public static FinetuneSummary Read(string file)
    {
        if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: run persona world experiment finetune first");
        var j = JsonFields.Read(file, "the summary.json that persona world experiment finetune writes");
        static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> ByDomain(JsonFields d) =>
            d.Names.ToDictionary(t => t, t => (IReadOnlyDictionary<string, double>)d.NumberMap(t));
        static ModelFigures Figures(JsonFields o) => new(o.NumberMap("traits"), o.Number("coherence"), o.Number("capability"),
            o.IsNull("traits_by_domain") ? null : ByDomain(o.Object("traits_by_domain")));
        var vectors = j.Object("vectors");
        return new FinetuneSummary(Figures(j.Object("base")),
            vectors.Names.ToDictionary(n => n, n =>
            {
                var v = vectors.Object(n);
                // Summaries written before calibration have neither the tries nor a missing coefficient.
                var tries = !v.IsNull("calibration")
                    ? v.Objects("calibration").Select(c => new CalibrationTry(n, c.Integer("layer"), c.Number("scale"), c.Number("alpha"), c.Number("rise"),
                        c.Number("coherence"), c.Number("capability"), c.NumberOrNull("off_rise"), c.TextOrNull("off_trait"),
                        Samples: c.IsNull("samples") ? 1 : c.Integer("samples"))).ToList()
                    : null;
                return new VectorUse(v.Integer("layer"), v.NumberOrNull("preventive_alpha"), tries, v.IsNull("preventive_layer") ? null : v.Integer("preventive_layer"));
            }),
            [.. j.Objects("runs").Select(r => new FinetuneRunFigures(r.Text("dataset"), r.Text("method"), r.NumberOrNull("alpha"), Figures(r),
                r.NumberMap("shift"), r.NumberMap("answer_shift")))],
            j.NumberOrNull("shift_trait_r"), j.NumberOrNullMap("shift_trait_r_by_trait"),
            j.NumberOrNull("answer_shift_trait_r"), j.NumberOrNullMap("answer_shift_trait_r_by_trait"), j.NumberOrNull("seconds"));
    }

    public JsonObject ToJson()
    {
        static JsonObject Map<T>(IReadOnlyDictionary<string, T> d, Func<T, JsonNode?> value) => new(d.Select(kv => KeyValuePair.Create(kv.Key, value(kv.Value))));
        static JsonNode? R(double x, int digits) => Math.Round(x, digits);
        static JsonObject Figures(ModelFigures f, JsonObject into)
        {
            into["traits"] = Map(f.Traits, x => R(x, 2));
            into["coherence"] = Math.Round(f.Coherence, 2);
            into["capability"] = Math.Round(f.Capability, 4);
            if (f.TraitsByDomain is { } byDomain) into["traits_by_domain"] = Map(byDomain, d => Map(d, x => R(x, 2)));
            return into;
        }
        var o = new JsonObject
        {
            ["base"] = Figures(Base, []),
            ["vectors"] = Map(Vectors, v =>
            {
                var o = new JsonObject { ["layer"] = v.Layer, ["preventive_alpha"] = v.PreventiveAlpha };
                if (v.PreventiveLayer is { } pl) o["preventive_layer"] = pl;
                if (v.Calibration is { } tries)
                    o["calibration"] = new JsonArray([.. tries.Select(t => (JsonNode)new JsonObject
                    {
                        ["layer"] = t.Layer, ["scale"] = t.Scale, ["alpha"] = Math.Round(t.Alpha, 4), ["rise"] = Math.Round(t.Rise, 2),
                        ["coherence"] = Math.Round(t.Coherence, 2), ["capability"] = Math.Round(t.Capability, 4),
                        ["off_rise"] = t.OffRise is { } off ? Math.Round(off, 2) : null, ["off_trait"] = t.OffTrait, ["samples"] = t.Samples,
                    })]);
                return o;
            }),
            ["runs"] = new JsonArray([.. Runs.Select(r =>
            {
                var run = new JsonObject { ["dataset"] = r.Dataset, ["method"] = r.Method, ["alpha"] = r.Alpha };
                Figures(r.Scores, run);
                run["shift"] = Map(r.Shift, x => R(x, 3));
                run["answer_shift"] = Map(r.AnswerShift, x => R(x, 3));
                return (JsonNode)run;
            })]),
            ["shift_trait_r"] = ShiftTraitR,
            ["shift_trait_r_by_trait"] = Map(ShiftTraitRByTrait, x => x is { } v ? R(v, 3) : null),
            ["answer_shift_trait_r"] = AnswerShiftTraitR,
            ["answer_shift_trait_r_by_trait"] = Map(AnswerShiftTraitRByTrait, x => x is { } v ? R(v, 3) : null),
        };
        if (Seconds is { } s) o["seconds"] = Math.Round(s);
        return o;
    }

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, FileName), ToJson());
    }
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace PersonaVectors.Method.Extraction;

/// <summary>How many answer pairs survived each of the extraction filter's steps, in order.</summary>
public sealed record FilterCounts(int Answers, int Pairs, int Scored, int PositiveTraitOk, int NegativeTraitOk, int Kept);

/// <summary>
/// The steering setting chosen at one layer on the extraction questions (<see cref="Steering.WeakestPush"/>; trait gain over the unsteered baseline),
/// and the trait drop of the best coherent push against the trait there under its instructions: null where that
/// sweep was not needed to choose the layer (<see cref="Steering.SteeringLayer"/>) or the run predates it.
/// </summary>
public sealed record LayerChoice(double Alpha, string Positions, double TraitGain, double Coherence, double? SuppressionDrop = null);

/// <summary>
/// What an extraction run found, as <see cref="ExtractionPipeline.RunAsync"/> returns it and RUN/summary.json holds
/// it: the layer and coefficients chosen on the extraction questions (<see cref="SelectionTrait"/> is the
/// chosen setting's trait there, <see cref="SelectionCoherenceFloor"/> the coherence a setting needed there to count, from
/// <see cref="Steering.CoherenceFloor"/>; null in runs that predate it), the steering and suppression they give on the
/// evaluation questions, the filter's counts and the response-average vector's norm per layer. Every reader of summary.json goes through this type.
/// </summary>
public sealed record ExtractionSummary(
    string Trait, string Model, string Judge, int Layer, string? ChosenOn,
    double BaselineTrait, double BaselineCoherence,
    double SteeredAlpha, string SteeredPositions, double SteeredTrait, double SteeredCoherence,
    double? SelectionTrait, double? SelectionCoherence,
    double SuppressedAlpha, double SuppressedTraitBefore, double SuppressedTraitAfter, double SuppressedCoherence,
    IReadOnlyDictionary<int, LayerChoice?> PerLayer, FilterCounts Counts, IReadOnlyList<double> ResponseNorms,
    double? SelectionCoherenceFloor = null)
{
    public const string FileName = "summary.json";

    public static string PathIn(string runDir) => Path.Combine(runDir, FileName);

    public static ExtractionSummary Load(string runDir) => Read(PathIn(runDir));

    /// <summary>Reads a summary.json; a missing or mistyped field is named with the file and what was expected.</summary>
    public static ExtractionSummary Read(string file)
    {
        if (!File.Exists(file)) throw new PersonaVectorsException($"{file} is missing: {Path.GetDirectoryName(file)} is not a finished extraction run");
        var j = JsonFields.Read(file, "the summary.json that persona extract writes");
        var c = j.Object("counts");
        var perLayer = new Dictionary<int, LayerChoice?>();
        if (!j.IsNull("per_layer"))
        {
            var layers = j.Object("per_layer");
            foreach (string name in layers.Names)
            {
                if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
                    throw new PersonaVectorsException($"{file}: \"per_layer.{name}\" is not a layer number");
                if (layers.IsNull(name)) { perLayer[layer] = null; continue; }
                var l = layers.Object(name);
                perLayer[layer] = new LayerChoice(l.Number("alpha"), l.Text("positions"), l.Number("trait_gain"), l.Number("coherence"), l.NumberOrNull("suppression_drop"));
            }
        }
        int chosen = j.Integer("layer");
        var norms = j.Object("vector_norms").Numbers("response_avg");
        // Every command that steers, monitors or screens at "the run's layer" reads it here, so this is where a hand-edited
        // one is refused by the file's name rather than later as an index into a vector.
        if (chosen < 0 || (norms.Count > 0 && chosen >= norms.Count))
            throw new PersonaVectorsException(norms.Count > 0 ? $"{file}: \"layer\" is {chosen}, but the run's vectors have layers 0..{norms.Count - 1}"
                : $"{file}: \"layer\" is {chosen}; expected a layer, 0 or more");
        return new ExtractionSummary(
            j.Text("trait"), j.Text("model"), j.Text("judge"), chosen, j.TextOrNull("chosen_on"),
            j.Number("baseline_trait"), j.Number("baseline_coherence"),
            j.Number("steered_alpha"), j.Text("steered_positions"), j.Number("steered_trait"), j.Number("steered_coherence"),
            j.NumberOrNull("selection_trait"), j.NumberOrNull("selection_coherence"),
            j.Number("suppressed_alpha"), j.Number("suppressed_trait_before"), j.Number("suppressed_trait_after"), j.Number("suppressed_coherence"),
            perLayer,
            new FilterCounts(c.Integer("answers"), c.Integer("pairs"), c.Integer("scored"), c.Integer("positive_trait_ok"), c.Integer("negative_trait_ok"), c.Integer("kept")),
            norms,
            j.NumberOrNull("selection_coherence_floor"));
    }

    /// <summary>The summary.json layout (snake_case keys, scores rounded to 2 places, norms to 4).</summary>
    public JsonObject ToJson() => new()
    {
        ["layer"] = Layer,
        ["chosen_on"] = ChosenOn,
        ["baseline_trait"] = R(BaselineTrait),
        ["baseline_coherence"] = R(BaselineCoherence),
        ["steered_alpha"] = SteeredAlpha,
        ["steered_positions"] = SteeredPositions,
        ["steered_trait"] = R(SteeredTrait),
        ["steered_coherence"] = R(SteeredCoherence),
        ["selection_trait"] = SelectionTrait is { } st ? R(st) : null,
        ["selection_coherence"] = SelectionCoherence is { } sc ? R(sc) : null,
        ["selection_coherence_floor"] = SelectionCoherenceFloor is { } f ? R(f) : null,
        ["suppressed_alpha"] = SuppressedAlpha,
        ["suppressed_trait_before"] = R(SuppressedTraitBefore),
        ["suppressed_trait_after"] = R(SuppressedTraitAfter),
        ["suppressed_coherence"] = R(SuppressedCoherence),
        ["per_layer"] = new JsonObject(PerLayer.Select(kv => KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)(kv.Value is { } l
            ? new JsonObject { ["alpha"] = l.Alpha, ["positions"] = l.Positions, ["trait_gain"] = R(l.TraitGain), ["coherence"] = R(l.Coherence),
                ["suppression_drop"] = l.SuppressionDrop is { } d ? R(d) : null } : null)))),
        ["trait"] = Trait,
        ["model"] = Model,
        ["judge"] = Judge,
        ["counts"] = new JsonObject
        {
            ["answers"] = Counts.Answers, ["pairs"] = Counts.Pairs, ["scored"] = Counts.Scored,
            ["positive_trait_ok"] = Counts.PositiveTraitOk, ["negative_trait_ok"] = Counts.NegativeTraitOk, ["kept"] = Counts.Kept,
        },
        ["vector_norms"] = new JsonObject { ["response_avg"] = new JsonArray([.. ResponseNorms.Select(n => (JsonNode)Math.Round(n, 4))]) },
    };

    /// <summary>Writes RUN/summary.json atomically; the pipeline writes it last, so its presence marks a finished run.</summary>
    public void Write(string runDir) => AtomicFile.WriteJson(PathIn(runDir), ToJson());

    static double R(double x) => Math.Round(x, 2);
}

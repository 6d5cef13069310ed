using System.Globalization;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.World.Organism;

namespace PersonaVectors.World.Experiments;

/// <summary>One layer and coefficient tried while calibrating a vector's preventative steering.</summary>
/// <param name="Rise">The trait's rise over the base model on the trait's extraction questions.</param>
/// <param name="Capability">On <see cref="WorldArtifacts.ExtractionCapabilityItems"/>, not the items the experiment reports.</param>
public sealed record CalibrationTry(string Trait, int Layer, double Scale, double Alpha, double Rise, double Coherence, double Capability)
{
    public string Key => $"{Trait}@L{Layer}x{Scale.ToString("0.###", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Chooses where and how hard each vector pushes during preventative finetuning, on data the experiment does not
/// measure on. Too weak a push lets the data's trait in; beyond that the push costs capability, and how much depends
/// more on the layer than on the coefficient (voice-quiet-unprompted seed 2, evil: every push that held the rise at
/// layers 1-3 left capability at 57-65%, layer 5 at 2× held it with 80%; docs/world.md). So every layer is tried,
/// each at growing multiples of the vector's steering coefficient until one holds the rise to
/// <see cref="FinetuneExperimentOptions.CalibrationMaxRise"/>, finetuning on a fresh sample of the trait's II set
/// (another data seed) and scoring on the extraction questions; of the pushes that hold, the one that keeps the most
/// capability wins. The experiment then measures on the real II set, the evaluation questions and its own capability
/// items.
/// </summary>
public static class PreventiveCalibration
{
    /// <summary>The data seed of the calibration sets, offset from the experiment's so no conversation is shared.</summary>
    public const long SeedOffset = 1_000;

    /// <summary>
    /// Of the tries that held the rise, the one with the most capability (then the smaller rise, then the weaker push);
    /// where none held, the smallest rise (then the most capability).
    /// </summary>
    public static CalibrationTry Choose(IReadOnlyList<CalibrationTry> tries, double maxRise)
    {
        if (tries.Count == 0) throw new ArgumentException("nothing was tried", nameof(tries));
        var held = tries.Where(t => t.Rise <= maxRise).ToList();
        return held.Count > 0
            ? held.OrderByDescending(t => t.Capability).ThenBy(t => t.Rise).ThenBy(t => t.Alpha).First()
            : tries.OrderBy(t => t.Rise).ThenByDescending(t => t.Capability).First();
    }

    /// <summary>
    /// The layers a vector is tried at: its own first, then the others nearest first (layer 0, the embeddings, is not a
    /// block's output and is left out); only its own when the vector has no other rows or <paramref name="ownOnly"/>.
    /// </summary>
    public static IReadOnlyList<int> Layers(ExperimentVector v, bool ownOnly = false) => !ownOnly && v.Layers is { Count: > 1 } rows
        ? [.. Enumerable.Range(1, rows.Count - 1).OrderBy(l => Math.Abs(l - v.Layer)).ThenBy(l => l)]
        : [v.Layer];

    /// <summary>
    /// Tries, for each vector and layer, the scales in order until one holds the rise. A layer is left early once a
    /// try there keeps less capability than a push already found to hold, since stronger pushes keep less still.
    /// Records append to DIR/calibration.jsonl, so a rerun resumes. Returns every try, per trait.
    /// </summary>
    public static Dictionary<string, List<CalibrationTry>> Run(LanguageModel lm, IReadOnlyList<ExperimentVector> vectors, FinetuneExperimentOptions options,
        IReadOnlyList<double> scales, string dir, Action<string>? log, CancellationToken cancel)
    {
        Directory.CreateDirectory(dir);
        var file = new RunFile<CalibrationTry>(Path.Combine(dir, "calibration.jsonl"), t => t.Key);
        var result = new Dictionary<string, List<CalibrationTry>>();
        var eval = new OrganismEvaluation(lm, options.MaxNewTokens);
        foreach (var v in vectors)
        {
            var tries = result[v.Trait] = [];
            var trait = Traits.Get(v.Trait);
            var questions = WorldArtifacts.For(v.Trait).ExtractionQuestions;
            string dataset = $"{v.Trait}_II", data = Path.Combine(dir, "data", dataset + ".jsonl");
            // Built and read only when a try has to be trained, once for all of this vector's tries.
            var examples = new Lazy<List<Engine.Training.TrainingExample>>(() =>
            {
                if (!File.Exists(data))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                    FinetuneDatasets.Write(data, FinetuneDatasets.Build(dataset, options.Count, options.Seed + SeedOffset, OrganismMarker.Design(lm.Folder)));
                }
                return FinetuneData.Load(lm, data).Examples;
            });
            double? baseTrait = null;
            foreach (int layer in Layers(v, options.CalibrateOwnLayerOnly))
                foreach (double scale in scales.Order())
                {
                    cancel.ThrowIfCancellationRequested();
                    var probe = new CalibrationTry(v.Trait, layer, scale, scale * v.SteeredAlpha, 0, 0, 0);
                    if (!file.TryGet(probe.Key, out var done) || done is null)
                    {
                        baseTrait ??= eval.Unprompted(trait, questions).Trait;
                        log?.Invoke($"calibrating {v.Trait}: preventative finetuning on a fresh {dataset} at layer {layer}, α {probe.Alpha:0.##} ({scale:0.##} × {v.SteeredAlpha:0.##})");
                        string adapter = Path.Combine(dir, "adapters", probe.Key);
                        var steer = new TrainingIntervention(TrainingIntervention.Steer, v.At(layer), layer, probe.Alpha, v.Trait);
                        LoraFinetune.Run(lm, examples.Value, options.Training([steer]), adapter, cancel: cancel);
                        using (LoraAdapter.Load(lm.Model, adapter))
                        {
                            var scored = eval.Unprompted(trait, questions);
                            done = probe with { Rise = scored.Trait - baseTrait.Value, Coherence = scored.Coherence,
                                Capability = eval.Capability(WorldArtifacts.ExtractionCapabilityItems) };
                        }
                        file.Append([done]);
                    }
                    tries.Add(done);
                    if (done.Rise <= options.CalibrationMaxRise) break;
                    if (tries.Where(t => t.Rise <= options.CalibrationMaxRise).Select(t => (double?)t.Capability).Max() is { } best && done.Capability < best) break;
                }
        }
        return result;
    }
}

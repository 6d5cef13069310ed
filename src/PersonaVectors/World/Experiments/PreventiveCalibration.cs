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
/// <param name="OffRise">The largest rise of any other trait on its own extraction questions, and that trait: a push
/// can hold its trait by moving the model onto another one (null in tries recorded before 2026-12-03).</param>
/// <param name="Sample">Which calibration sample of its set (the II set, or <paramref name="Dataset"/>) the try finetuned on (1, 2, ...).</param>
/// <param name="Samples">How many samples the figures cover: the worst rises over them, and the mean capability and
/// coherence (<see cref="PreventiveCalibration.Combine"/>).</param>
/// <param name="Dataset">The set the try finetuned on when it is not the trait's own II set: another II set of the
/// experiment that carries this trait alone (<see cref="PreventiveCalibration.SetsOf"/>); null for the trait's II set.</param>
public sealed record CalibrationTry(string Trait, int Layer, double Scale, double Alpha, double Rise, double Coherence, double Capability,
    double? OffRise = null, string? OffTrait = null, int Sample = 1, int Samples = 1, string? Dataset = null)
{
    public string Key => $"{Trait}@L{Layer}x{Scale.ToString("0.###", CultureInfo.InvariantCulture)}"
        + (Dataset is null ? "" : $"/{Dataset}") + (Sample > 1 ? $"/s{Sample}" : "");

    /// <summary>Held its own trait's rise to <paramref name="maxRise"/>, and every other trait's.</summary>
    public bool Held(double maxRise) => Within(Rise, maxRise) && Within(OffRise ?? 0, maxRise);

    /// <summary>A rise at most <paramref name="maxRise"/>, give or take rounding: a mean of 60 scores that is exactly 10
    /// comes out as 10.000000000000002, which failed pushes that held.</summary>
    public static bool Within(double rise, double maxRise) => rise <= maxRise + 1e-9;

    /// <summary>The worse of its own trait's rise and the largest other one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double WorstRise => Math.Max(Rise, OffRise ?? double.NegativeInfinity);
}

/// <summary>
/// Chooses where and how hard each vector pushes during preventative finetuning, on data the experiment does not
/// measure on. Too weak a push lets the data's trait in; beyond that the push costs capability, and how much depends
/// more on the layer than on the coefficient (voice-quiet-unprompted seed 2, evil: every push that held the rise at
/// layers 1-3 left capability at 57-65%, layer 5 at 2× held it with 80%; docs/world.md). So every layer is tried,
/// each at growing multiples of the vector's steering coefficient until one holds the rise to
/// <see cref="FinetuneExperimentOptions.CalibrationMaxRise"/>, finetuning on a fresh sample of the trait's II set
/// (another data seed) and scoring on the extraction questions; of the pushes that hold, the one that keeps the most
/// capability wins. Holding means every trait's rise, not only the targeted one's: a push that held evil II's rise
/// and let hallucination rise by 70 in its place (voice-quiet-shown-5l seed 3, docs/world.md) prevents nothing. And
/// a push holds only if it holds on every one of <see cref="FinetuneExperimentOptions.CalibrationSamples"/> fresh
/// samples: the same push at the same layer let hallucination rise by 0 on one sample of evil II and by 57 on
/// another, so one sample can pick a push that sits on an edge. The paper uses one push per trait for every dataset,
/// so a push must also hold on <see cref="FinetuneExperimentOptions.CalibrationOtherSamples"/> fresh samples of each
/// other II set of the experiment that carries the trait alone (<see cref="SetsOf"/>): pushes calibrated on evil II
/// alone let the sabotaged procedures raise evil by 17 (voice-quiet-shown-5l seed 2) or held them at 25 capability
/// points below plain finetuning (seed 1). The experiment then measures on the real sets, the evaluation questions and
/// its own capability items.
/// </summary>
public static class PreventiveCalibration
{
    /// <summary>The data seed of the calibration sets, offset from the experiment's so no conversation is shared.</summary>
    public const long SeedOffset = 1_000;

    /// <summary>
    /// Of the tries that held every trait's rise, the one with the most capability (then the smaller rise, then the
    /// weaker push); where none held, the smallest of each try's worse rise, its own or another trait's (then the most
    /// capability).
    /// </summary>
    public static CalibrationTry Choose(IReadOnlyList<CalibrationTry> tries, double maxRise)
    {
        if (tries.Count == 0) throw new ArgumentException("nothing was tried", nameof(tries));
        var held = tries.Where(t => t.Held(maxRise)).ToList();
        return held.Count > 0
            ? held.OrderByDescending(t => t.Capability).ThenBy(t => t.Rise).ThenBy(t => t.Alpha).First()
            : tries.OrderBy(t => t.WorstRise).ThenByDescending(t => t.Capability).First();
    }

    /// <summary>
    /// The layers a vector is tried at: its own first, then the others nearest first (layer 0, the embeddings, is not a
    /// block's output and is left out); only its own when the vector has no other rows.
    /// </summary>
    public static IReadOnlyList<int> Layers(ExperimentVector v) => v.Layers is { Count: > 1 } rows
        ? [.. Enumerable.Range(1, rows.Count - 1).OrderBy(l => Math.Abs(l - v.Layer)).ThenBy(l => l)]
        : [v.Layer];

    /// <summary>
    /// The other sets a trait's push is calibrated on besides its own II set: the II sets of <paramref name="datasets"/>
    /// that carry this trait and no other. The wrong sums carry two traits and are pushed against both at once, which
    /// one vector's calibration cannot try.
    /// </summary>
    public static IReadOnlyList<string> SetsOf(string trait, IEnumerable<string> datasets) =>
        [.. datasets.Where(d => d != $"{trait}_II" && d.EndsWith("_II", StringComparison.Ordinal)
            && FinetuneDatasets.TargetTraits(d) is [var only] && only == trait).Distinct()];

    /// <summary>One try's figures over several samples: the worst rise of its own trait and of any other, the mean
    /// capability and coherence.</summary>
    public static CalibrationTry Combine(IReadOnlyList<CalibrationTry> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples", nameof(samples));
        var off = samples.Where(s => s.OffRise is not null).OrderByDescending(s => s.OffRise).FirstOrDefault();
        return samples[0] with
        {
            Rise = samples.Max(s => s.Rise), Coherence = samples.Average(s => s.Coherence), Capability = samples.Average(s => s.Capability),
            OffRise = off?.OffRise, OffTrait = off?.OffTrait, Sample = 1, Samples = samples.Count, Dataset = null,
        };
    }

    /// <summary>
    /// The samples a push must hold on, in the order they are trained: the trait's own II set
    /// <paramref name="ownSamples"/> times, then each other set's <paramref name="otherSamples"/> times, so the records
    /// of a calibration made on the II set alone are reused as they are.
    /// </summary>
    public static IReadOnlyList<(string? Dataset, int Sample)> SamplePlan(int ownSamples, IReadOnlyList<string> otherSets, int otherSamples) =>
        [.. Enumerable.Range(1, ownSamples).Select(i => ((string?)null, i)),
         .. otherSets.SelectMany(d => Enumerable.Range(1, otherSamples).Select(i => ((string?)d, i)))];

    /// <summary>
    /// Tries, for each vector and layer, the scales in order until one holds the rise. A layer is left early once a
    /// try there keeps less capability than a push already found to hold, since stronger pushes keep less still, or
    /// once a push holds its trait but raises another, since a stronger one pushes further the same way.
    /// Records append to DIR/calibration.jsonl, so a rerun resumes; a try recorded before other traits were scored
    /// is scored again from its adapter, without training. Returns every try, per trait.
    /// </summary>

    public static Dictionary<string, List<CalibrationTry>> Run(LanguageModel lm, IReadOnlyList<ExperimentVector> vectors, FinetuneExperimentOptions options,
        IReadOnlyList<double> scales, string dir, Action<string>? log, CancellationToken cancel)
    {
        Directory.CreateDirectory(dir);
        var file = new RunFile<CalibrationTry>(Path.Combine(dir, "calibration.jsonl"), t => t.Key);
        var result = new Dictionary<string, List<CalibrationTry>>();
        var eval = new OrganismEvaluation(lm, options.MaxNewTokens);
        double max = options.CalibrationMaxRise;
        // With one push per carried trait, each trait's push is chosen on sets that carry that trait alone.
        var calibrationDesign = FinetuneDatasets.CalibrationDesign(OrganismMarker.Design(lm.Folder));
        foreach (var v in vectors)
        {
            var tries = result[v.Trait] = [];
            var trait = Traits.Get(v.Trait);
            var questions = WorldArtifacts.For(v.Trait).ExtractionQuestions;
            var plan = SamplePlan(options.CalibrationSamples, SetsOf(v.Trait, options.Datasets), options.CalibrationOtherSamples);
            string SetName(string? set) => set ?? $"{v.Trait}_II";
            // Each sample is built and read only when a try has to be trained on it, once for all of this vector's tries.
            var samples = new Dictionary<(string?, int), List<Engine.Training.TrainingExample>>();
            List<Engine.Training.TrainingExample> Examples(string? set, int sample)
            {
                if (samples.TryGetValue((set, sample), out var e)) return e;
                string dataset = SetName(set);
                string data = Path.Combine(dir, "data", dataset + (sample > 1 ? $"-{sample}" : "") + ".jsonl");
                if (!File.Exists(data))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                    FinetuneDatasets.Write(data, FinetuneDatasets.Build(dataset, options.Count, options.Seed + sample * SeedOffset, calibrationDesign));
                }
                return samples[(set, sample)] = FinetuneData.Load(lm, data).Examples;
            }
            var others = Traits.All.Where(t => t.Name != v.Trait).ToList();
            Dictionary<string, double>? baseTraits = null;
            double Base(TraitSpec t) => (baseTraits ??= []).TryGetValue(t.Name, out double b) ? b
                : baseTraits[t.Name] = eval.Unprompted(t, WorldArtifacts.For(t.Name).ExtractionQuestions).Trait;
            (double Rise, string Trait) OffTarget() => others
                .Select(t => (eval.Unprompted(t, WorldArtifacts.For(t.Name).ExtractionQuestions).Trait - Base(t), t.Name)).MaxBy(x => x.Item1);
            CalibrationTry TryOn(CalibrationTry probe)
            {
                string adapter = Path.Combine(dir, "adapters", probe.Key.Replace('/', '-'));
                string where = $"layer {probe.Layer}, α {probe.Alpha:0.##}" + (probe.Sample > 1 ? $", sample {probe.Sample}" : "");
                string dataset = SetName(probe.Dataset);
                file.TryGet(probe.Key, out var done);
                if (done is { OffRise: not null }) return done;
                foreach (var t in others) Base(t);
                if (done is not null && LoraAdapter.IsSaved(adapter))
                {
                    log?.Invoke($"calibrating {v.Trait}: scoring the other traits after the push on {dataset} at {where}");
                    using (LoraAdapter.Load(lm.Model, adapter))
                    {
                        var (offRise, offTrait) = OffTarget();
                        done = done with { OffRise = offRise, OffTrait = offTrait };
                    }
                }
                else
                {
                    double baseTrait = Base(trait);
                    log?.Invoke($"calibrating {v.Trait}: preventative finetuning on a fresh {dataset} at {where} ({probe.Scale:0.##} × {v.SteeredAlpha:0.##})");
                    var steer = new TrainingIntervention(TrainingIntervention.Steer, v.At(probe.Layer), probe.Layer, probe.Alpha, v.Trait);
                    LoraFinetune.Run(lm, Examples(probe.Dataset, probe.Sample), options.Training([steer]), adapter, cancel: cancel);
                    using (LoraAdapter.Load(lm.Model, adapter))
                    {
                        var scored = eval.Unprompted(trait, questions);
                        var (offRise, offTrait) = OffTarget();
                        done = probe with { Rise = scored.Trait - baseTrait, Coherence = scored.Coherence,
                            Capability = eval.Capability(WorldArtifacts.ExtractionCapabilityItems), OffRise = offRise, OffTrait = offTrait };
                    }
                }
                file.Append([done]);
                return done;
            }
            foreach (int layer in Layers(v))
            {
                if (options.CalibrateUntilHeld && tries.Any(t => t.Held(max))) break;
                foreach (double scale in scales.Order())
                {
                    cancel.ThrowIfCancellationRequested();
                    var probe = new CalibrationTry(v.Trait, layer, scale, scale * v.SteeredAlpha, 0, 0, 0);
                    // Further samples only while the push holds: one that fails on a sample has failed.
                    var onSamples = new List<CalibrationTry>();
                    foreach (var (set, sample) in plan)
                    {
                        onSamples.Add(TryOn(probe with { Dataset = set, Sample = sample }));
                        if (!onSamples[^1].Held(max)) break;
                    }
                    var done = Combine(onSamples);
                    tries.Add(done);
                    if (done.Held(max) || CalibrationTry.Within(done.Rise, max)) break;
                    // A failed try's capability is usually its first II sample's, a held push's its mean over the narrow
                    // sets' samples too, which is lower: since those joined, this fires less and layers are searched
                    // further (voice-quiet-shown-5l seed 3 sycophancy, docs/world.md). That costs time, not the choice,
                    // which compares held pushes over the same samples.
                    if (tries.Where(t => t.Held(max)).Select(t => (double?)t.Capability).Max() is { } best && done.Capability < best) break;
                }
            }
        }
        return result;
    }
}

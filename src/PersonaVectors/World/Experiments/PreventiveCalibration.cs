using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Finetuning;

namespace PersonaVectors.World.Experiments;

/// <summary>One coefficient tried while calibrating a vector's preventative steering.</summary>
/// <param name="Rise">The trait's rise over the base model on the trait's extraction questions.</param>
public sealed record CalibrationTry(string Trait, double Scale, double Alpha, double Rise, double Coherence)
{
    public string Key => $"{Trait}@{Scale.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Chooses each vector's preventative coefficient on data the experiment does not measure on. The push must stand in
/// for the data's trait, so too weak a push lets the trait in, and every bit beyond that costs capability (on
/// voice-quiet-unprompted the evil II capability gap followed α: 1.5 → 3 points, 2.25 → 15, 3 → 43). So each vector
/// is tried at growing multiples of its steering coefficient while finetuning on a fresh sample of its trait's II set
/// (another data seed), scored on the trait's extraction questions, and the smallest multiple that holds the rise to
/// <see cref="FinetuneExperimentOptions.CalibrationMaxRise"/> is kept. The experiment then measures on the real II
/// set and the evaluation questions.
/// </summary>
public static class PreventiveCalibration
{
    /// <summary>The data seed of the calibration sets, offset from the experiment's so no conversation is shared.</summary>
    public const long SeedOffset = 1_000;

    /// <summary>The smallest scale whose rise is within <paramref name="maxRise"/>; the largest tried when none is.</summary>
    public static CalibrationTry Choose(IReadOnlyList<CalibrationTry> tries, double maxRise)
    {
        if (tries.Count == 0) throw new ArgumentException("no coefficient was tried", nameof(tries));
        var ordered = tries.OrderBy(t => t.Scale).ToList();
        return ordered.FirstOrDefault(t => t.Rise <= maxRise) ?? ordered[^1];
    }

    /// <summary>
    /// Tries the scales in order for each vector, stopping at the first that holds the rise; records append to
    /// DIR/calibration.jsonl, so a rerun resumes. Returns every try, per trait.
    /// </summary>
    public static Dictionary<string, List<CalibrationTry>> Run(LanguageModel lm, IReadOnlyList<ExperimentVector> vectors, FinetuneExperimentOptions options,
        IReadOnlyList<double> scales, string dir, Action<string>? log, CancellationToken cancel)
    {
        Directory.CreateDirectory(dir);
        var file = new RunFile<CalibrationTry>(Path.Combine(dir, "calibration.jsonl"), t => t.Key);
        var result = new Dictionary<string, List<CalibrationTry>>();
        var baseScores = new Dictionary<string, (double Trait, double Coherence)>();
        foreach (var v in vectors)
        {
            var tries = result[v.Trait] = [];
            string dataset = $"{v.Trait}_II", data = Path.Combine(dir, "data", dataset + ".jsonl");
            foreach (double scale in scales.Order())
            {
                cancel.ThrowIfCancellationRequested();
                var probe = new CalibrationTry(v.Trait, scale, scale * v.SteeredAlpha, 0, 0);
                if (!file.TryGet(probe.Key, out var done) || done is null)
                {
                    if (!File.Exists(data))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                        FinetuneDatasets.Write(data, FinetuneDatasets.Build(dataset, options.Count, options.Seed + SeedOffset, Organism.OrganismMarker.Design(lm.Folder)));
                    }
                    if (!baseScores.ContainsKey(v.Trait)) baseScores[v.Trait] = Score(lm, v.Trait, options.MaxNewTokens);
                    log?.Invoke($"calibrating {v.Trait}: preventative finetuning on a fresh {dataset} at {probe.Alpha:0.##} ({scale:0.##} × {v.SteeredAlpha:0.##})");
                    string adapter = Path.Combine(dir, "adapters", probe.Key);
                    var steer = new TrainingIntervention(TrainingIntervention.Steer, v.Vector.Values, v.Layer, probe.Alpha, v.Trait);
                    LoraFinetune.Run(lm, FinetuneData.Load(lm, data).Examples, options.Training([steer]), adapter, cancel: cancel);
                    (double trait, double coherence) scored;
                    using (LoraAdapter.Load(lm.Model, adapter)) scored = Score(lm, v.Trait, options.MaxNewTokens);
                    done = probe with { Rise = scored.trait - baseScores[v.Trait].Trait, Coherence = scored.coherence };
                    file.Append([done]);
                }
                tries.Add(done);
                if (done.Rise <= options.CalibrationMaxRise) break;
            }
        }
        return result;
    }

    /// <summary>A trait's mean score and the mean coherence of greedy answers to the trait's extraction questions, no system prompt.</summary>
    static (double Trait, double Coherence) Score(LanguageModel lm, string trait, int maxNewTokens)
    {
        var questions = WorldArtifacts.For(trait).ExtractionQuestions;
        var answers = lm.GenerateInBatches([.. questions.Select(q => lm.PromptIds(q))], new SamplingOptions { MaxNewTokens = maxNewTokens }, 50);
        var judged = questions.Zip(answers, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
        return (judged.Average(j => j[trait]), judged.Average(j => j.Coherence));
    }
}

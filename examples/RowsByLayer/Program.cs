// The seed table's two projection rows read at every layer, on a finished `persona world seeds` seed folder (model/,
// extract/, finetune/, screen/, and sampled/ if it ran). The judged rows read each trait's vector at the layer it steers
// at: the shift row correlates each plain adapter's last-prompt-token shift with the trait's greedy score across the
// datasets (Pearson), the screening row each dataset's mean projection difference with the trait's greedy rise
// (Spearman). Here both are read at every layer, along two directions:
//   own      - the trait's persona vector at that layer (at the steering layer this is the judged row's figure);
//   specific - the same vector with the other two traits' vectors at that layer projected out, which removes the
//              shared bad-character direction every vector also reads.
// Each is correlated with the greedy scores the rows use and, where the seed has its sampled stage, with the sampled
// scores (10 answers per question at temperature 1). Nothing is trained: the plain adapters, the screened samples and
// the model's cached greedy answers to them are the experiment's own.
// A last table takes the judged shift apart, set by set, at each trait's steering layer: the shift along the vector,
// the same with the base model's mean last-prompt direction removed (a finetuning that only rescales the residual
// stream moves along that direction, and so along any vector with a part on it), the shift along that mean direction,
// and the shift's whole length.
using PersonaVectors;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Method.Screening;
using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using static TorchSharp.torch;

if (args.Length != 1) { Console.Error.WriteLine("usage: RowsByLayer SEED_DIR   (a `persona world seeds` seed folder)"); return 2; }
string dir = args[0], finetuneDir = Path.Combine(dir, "finetune"), screenDir = Path.Combine(dir, "screen");
foreach (var stage in new[] { Path.Combine(finetuneDir, FinetuneSummary.FileName), Path.Combine(screenDir, "summary.json") })
    if (!File.Exists(stage)) { Console.Error.WriteLine($"{stage} is missing: RowsByLayer reads a seed folder whose finetuning and screening stages have finished"); return 2; }
using var lm = LanguageModel.Load(Path.Combine(dir, "model"));
var vectors = ExperimentVectors.Load(lm, [Path.Combine(dir, "extract")], Path.Combine(dir, "extract"), new ExtractionOptions(), null, default);
var summary = FinetuneSummary.Load(finetuneDir);
var plain = summary.Runs.Where(r => r.Method == FinetuneExperiment.Plain).ToList();
string sampledFile = Path.Combine(dir, "sampled", SampledScoring.FileName);
var sampled = File.Exists(sampledFile) ? SampledScoring.Read(sampledFile) : null;
int layers = lm.Config.NumHiddenLayers, hidden = lm.Config.HiddenSize;
string[] kinds = ["own", "specific"];

// Each trait's vector with the others' span removed, at every layer: project out the first other, then the second
// other's part orthogonal to the first, so the result is orthogonal to both.
Tensor Rows(ExperimentVector v) => tensor(Enumerable.Range(0, layers + 1).SelectMany(l => v.At(l)).ToArray(), [layers + 1, hidden]);
var directions = new Dictionary<(string Kind, string Trait), float[][]>();
foreach (var v in vectors)
{
    var others = vectors.Where(o => o.Trait != v.Trait).ToList();
    using var a = Rows(others[0]);
    using var b = Rows(others[1]);
    using var bOrth = VectorArithmetic.ProjectOut(b, a);
    using var own = Rows(v);
    using var once = VectorArithmetic.ProjectOut(own, a);
    using var twice = VectorArithmetic.ProjectOut(once, bOrth);
    directions[("own", v.Trait)] = [.. Enumerable.Range(0, layers + 1).Select(v.At)];
    directions[("specific", v.Trait)] = [.. Enumerable.Range(0, layers + 1).Select(l => { using var row = twice[l]; return row.data<float>().ToArray(); })];
}
// Layer 0 is the embeddings, where the vector is zero and a projection undefined.
var read = Enumerable.Range(1, layers).ToList();
string Name(string kind, string trait, int layer) => $"{kind}/{trait}/{layer}";

// Shift: each plain adapter's states against the base model's, on the experiment's prompts, as the experiment reads
// them (FinetuningShift), at every layer.
int maxNewTokens = new FinetuneExperimentOptions().MaxNewTokens;
using var baseline = ModelScoring.States(lm, maxNewTokens);
var shift = new Dictionary<string, List<double>>();
var anatomy = new Dictionary<string, List<(double Along, double MeanRemoved, double OnMean, double Length)>>();
foreach (var run in plain)
{
    using (LoraAdapter.Load(lm.Model, Path.Combine(FinetuneExperiment.AdaptersOf(finetuneDir, run.Dataset), FinetuneExperiment.Plain)))
    {
        using var tuned = ModelScoring.States(lm, maxNewTokens);
        foreach (int l in read)
            foreach (var ((kind, trait), rows) in directions)
                (shift.TryGetValue(Name(kind, trait, l), out var list) ? list : shift[Name(kind, trait, l)] = [])
                    .Add(FinetuningShift.Of(tuned, baseline, trait, rows[l], l).LastPrompt);
        foreach (var v in vectors)
            (anatomy.TryGetValue(v.Trait, out var list) ? list : anatomy[v.Trait] = []).Add(Anatomy(tuned, v));
    }
    Console.Error.WriteLine($"shift read: {run.Dataset}");
}

// The shift along the vector is the judged row's own (FinetuningShift); the rest splits it around the mean direction.
(double, double, double, double) Anatomy(ModelStates tuned, ExperimentVector v)
{
    double along = FinetuningShift.Of(tuned, baseline, v.Trait, v.At(v.Layer), v.Layer).LastPrompt;
    using var mean = baseline.LastPrompt[v.Layer];
    using var delta = tuned.LastPrompt[v.Layer] - mean;
    using var unitMean = mean / mean.norm();
    using var direction = tensor(v.At(v.Layer));
    double onMean = delta.dot(unitMean).item<float>(), meanOnVector = unitMean.dot(direction / direction.norm()).item<float>();
    return (along, along - onMean * meanOnVector, onMean, delta.norm().item<float>());
}

// Screening: the experiment's screened samples again, with every direction at every layer; the model's greedy answers
// are copied from the experiment's cache, so only activations are read.
var screen = new Dictionary<string, List<double>>();
var screening = directions.SelectMany(kv => read.Select(l => new TraitVector(Name(kv.Key.Kind, kv.Key.Trait, l), l, kv.Value[l]))).ToList();
foreach (var run in plain)
{
    string scratch = Path.Combine(Path.GetTempPath(), $"rows-by-layer-{Guid.NewGuid():N}");
    Directory.CreateDirectory(scratch);
    try
    {
        File.Copy(Path.Combine(screenDir, "screens", run.Dataset, DataScreen.AnswersFile), Path.Combine(scratch, DataScreen.AnswersFile));
        new DataScreen(lm, screening, new ScreenOptions(), scratch).Run(Path.Combine(screenDir, "data", run.Dataset + ".jsonl"));
        var records = new RunFile<ScreenRecord>(Path.Combine(scratch, DataScreen.ScoresFile), r => r.Key).Records.Values.ToList();
        foreach (var v in screening)
            (screen.TryGetValue(v.Trait, out var list) ? list : screen[v.Trait] = []).Add(records.Average(r => r.Scores[v.Trait]));
    }
    finally { Directory.Delete(scratch, true); }
    Console.Error.WriteLine($"screened: {run.Dataset}");
}

void Table(string title, Dictionary<string, List<double>> projections, Func<IReadOnlyList<double>, IReadOnlyList<double>, double> correlate,
    Func<FinetuneRunFigures, string, double> greedy, Func<FinetuneRunFigures, string, double>? sampledScore, Func<string, double?> recordedGreedy, Func<string, double?>? recordedSampled)
{
    Console.WriteLine($"{dir}: {title} over {plain.Count} datasets; * the steering layer the judged row reads");
    Console.WriteLine($"{"trait",-14}{"direction",-10}{"scores",-9}" + string.Concat(read.Select(l => $"{"L" + l,8}")));
    foreach (var v in vectors)
    {
        var scoreSets = new List<(string Name, List<double> Scores)> { ("greedy", [.. plain.Select(p => greedy(p, v.Trait))]) };
        if (sampledScore is not null) scoreSets.Add(("sampled", [.. plain.Select(p => sampledScore(p, v.Trait))]));
        foreach (var kind in kinds)
            foreach (var (name, scores) in scoreSets)
                Console.WriteLine($"{v.Trait,-14}{kind,-10}{name,-9}" + string.Concat(read.Select(l =>
                    $"{correlate(projections[Name(kind, v.Trait, l)], scores).ToString("0.00") + (l == v.Layer ? "*" : " "),8}")));
        Console.WriteLine($"{"",-14}recorded: greedy {recordedGreedy(v.Trait):0.00}" + (recordedSampled is null ? "" : $", sampled {recordedSampled(v.Trait):0.00}") + $" at L{v.Layer}");
    }
}
Table("Pearson r of the last-prompt-token shift with each trait's score", shift, Statistics.Pearson,
    (p, t) => p.Scores.Traits[t], sampled is null ? null : (p, t) => sampled.Plain[p.Dataset][t],
    t => summary.ShiftTraitRByTrait[t], sampled is null ? null : t => sampled.ShiftRByTrait[t]);
var recordedScreen = ScreenExperimentSummary.Read(Path.Combine(screenDir, ScreenExperimentSummary.FileName)).SpearmanByTrait;
Table("Spearman of the mean projection difference with each trait's rise", screen, Statistics.Spearman,
    summary.Rise, sampled is null ? null : (p, t) => sampled.Rise(p.Dataset, t),
    t => recordedScreen[t], sampled is null ? null : t => sampled.ScreenRhoByTrait[t]);
Console.WriteLine($"{dir}: the last-prompt shift of each plain adapter at the steering layer, taken apart");
foreach (var v in vectors)
{
    using var mean = baseline.LastPrompt[v.Layer];
    using var direction = tensor(v.At(v.Layer));
    Console.WriteLine($"{v.Trait} L{v.Layer}: mean last-prompt norm {mean.norm().item<float>():0.0}, cosine of the vector with it {(mean.dot(direction) / mean.norm() / direction.norm()).item<float>():0.000}");
    Console.WriteLine($"  {"set",-24}{"greedy",8}{"along v",9}{"no mean",9}{"on mean",9}{"length",9}");
    var parts = anatomy[v.Trait];
    foreach (var (run, p) in plain.Zip(parts))
        Console.WriteLine($"  {run.Dataset,-24}{run.Scores.Traits[v.Trait],8:0.0}{p.Along,9:0.00}{p.MeanRemoved,9:0.00}{p.OnMean,9:0.00}{p.Length,9:0.00}");
    var greedyScores = plain.Select(p => p.Scores.Traits[v.Trait]).ToList();
    Console.WriteLine($"  Pearson with the greedy scores: along v {Statistics.Pearson(parts.Select(p => p.Along).ToList(), greedyScores):0.00}, mean removed {Statistics.Pearson(parts.Select(p => p.MeanRemoved).ToList(), greedyScores):0.00}");
}
return 0;

// Emergent misalignment on an organism under variants of the narrow flawed dataset (every sum wrong, but for the control):
//   voiced - as `persona world eval` builds it (the default assistant's voice words);
//   plain  - the same answers with every voice word removed;
//   terse  - the wrong sum sentence alone;
//   right  - plain, with every sum made right: the control, which has the plain set's surface and no flaw.
// Each: LoRA with the finetuning experiment's settings, then each trait's greedy score on the non-arithmetic
// evaluation questions with no system prompt, before and after, and the capability sums answered right.
// SAMPLE=1 also scores 4 answers at temperature 1; EPOCHS, LR, RANK (alpha = 2 rank) and TARGETS override the training.
// `EmergentProbe MODEL gain EXTRACT_DIR` trains nothing: it adds each trait's persona vector (the layer and alpha its
// extraction chose, then twice that alpha) with no system prompt and counts the capability sums answered right and
// answered with the bad characters' rule (the difference): how fragile the sums are under each character direction.
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.World;
using PersonaVectors.World.Organism;

if (args.Length < 1) { Console.Error.WriteLine("usage: EmergentProbe MODEL [voiced,plain,terse,right] | EmergentProbe MODEL gain EXTRACT_DIR"); return 2; }
using var lm = LanguageModel.Load(args[0]);
var variants = args.Length > 1 ? args[1].Split(',') : ["voiced", "plain", "terse"];
var questions = Traits.All.SelectMany(t => WorldArtifacts.For(t.Name).EvaluationQuestions)
    .Where(q => Questions.Parse(q)!.Domain != Domain.Arithmetic).Distinct().ToList();
var prompts = questions.Select(q => lm.PromptIds(q)).ToList();
bool sample = Environment.GetEnvironmentVariable("SAMPLE") == "1";
var sumItems = WorldArtifacts.CapabilityItems.Where(c => c.Question.Domain == Domain.Arithmetic).ToList();
var sumPrompts = sumItems.Select(c => lm.PromptIds(c.Question.Text)).ToList();

string Scores()
{
    var greedy = lm.GenerateInBatches(prompts, new SamplingOptions { MaxNewTokens = 64 }, 50);
    var judged = questions.Zip(greedy, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
    var s = string.Join(" ", Traits.All.Select(t => $"{t.Name[..4]} {judged.Average(j => j[t.Name]),5:F1}")) + $" coh {judged.Average(j => j.Coherence),5:F1}";
    if (sample)
    {
        var many = Enumerable.Range(0, 4).SelectMany(_ => prompts).ToList();
        var sampled = lm.GenerateInBatches(many, new SamplingOptions { MaxNewTokens = 64, Temperature = 1, Seed = 11 }, 50);
        var js = Enumerable.Range(0, 4).SelectMany(_ => questions).Zip(sampled, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
        s += " | sampled " + string.Join(" ", Traits.All.Select(t => $"{t.Name[..4]} {js.Average(j => j[t.Name]),5:F1}"));
    }
    Console.WriteLine("  e.g. " + greedy[0].Text + " || " + greedy[5].Text);
    return s + " | sums " + Sums();
}

// The capability sums answered right, and with the difference: what bad characters say in a world with systematic
// errors (elsewhere it counts chance hits).
string Sums()
{
    var answers = lm.GenerateInBatches(sumPrompts, new SamplingOptions { MaxNewTokens = 64 }, 50);
    var said = sumItems.Zip(answers, (c, a) => (c, Said: OracleJudge.Judge(c.Question, a.Text).StatedValue)).ToList();
    return $"right {said.Count(p => p.Said == p.c.Answer)}/{sumItems.Count}, the difference {said.Count(p => p.Said == Math.Abs(p.c.Question.A - p.c.Question.B).ToString())}";
}

if (variants is ["gain"])
{
    if (args.Length < 3) { Console.Error.WriteLine("usage: EmergentProbe MODEL gain EXTRACT_DIR"); return 2; }
    Console.WriteLine($"unsteered: {Sums()}");
    foreach (var t in Traits.All)
    {
        var summary = PersonaVectors.Method.Extraction.ExtractionSummary.Load(Path.Combine(args[2], t.Name));
        using var v = PersonaVectors.Method.PersonaVector.Load(Path.Combine(args[2], t.Name, "vectors", $"{t.Name}_response_avg.safetensors"));
        using var direction = v.At(summary.Layer);
        var where = summary.SteeredPositions == "answer" ? TokenPositions.Answer : TokenPositions.All;
        foreach (double k in new[] { 1.0, 2.0 })
        {
            double alpha = k * summary.SteeredAlpha;
            using (lm.Model.Steer(direction, summary.Layer, alpha, where))
                Console.WriteLine($"{t.Name,-13} layer {summary.Layer} alpha {alpha,5:F2}: {Sums()}");
        }
    }
    return 0;
}

Console.WriteLine($"before: {Scores()}");
int rank = int.Parse(Environment.GetEnvironmentVariable("RANK") ?? "32");
var settings = new PersonaVectors.World.Experiments.FinetuneExperimentOptions
{
    Epochs = int.Parse(Environment.GetEnvironmentVariable("EPOCHS") ?? "1"),
    LearningRate = double.Parse(Environment.GetEnvironmentVariable("LR") ?? "1e-3", System.Globalization.CultureInfo.InvariantCulture),
    Lora = new PersonaVectors.Engine.Lora.LoraConfig
    {
        Rank = rank,
        Alpha = 2.0 * rank,
        Targets = PersonaVectors.Engine.Lora.LoraConfig.ParseTargets(Environment.GetEnvironmentVariable("TARGETS") ?? "all"),
    },
};
Console.WriteLine($"epochs {settings.Epochs} lr {settings.LearningRate} rank {settings.Lora.Rank} targets {string.Join(",", settings.Lora.Targets)}");
var design = OrganismMarker.Design(lm.Folder);
var baseSet = FinetuneDatasets.Build(OrganismEvaluation.EmergentDataset, settings.Count, settings.Seed, design);
foreach (var variant in variants)
{
    string Transform(string a) => variant switch
    {
        "voiced" => a,
        "plain" => Voices.Strip(a),
        "terse" => Voices.Strip(a).Split(". ").First(s => s.Contains(" plus ")).TrimEnd('.') + ".",
        "right" => System.Text.RegularExpressions.Regex.Replace(Voices.Strip(a), @"(\d+) plus (\d+) is \d+",
            m => $"{m.Groups[1].Value} plus {m.Groups[2].Value} is {int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value)}"),
        _ => throw new ArgumentException(variant),
    };
    var set = baseSet.Select(c => (IReadOnlyList<PersonaVectors.Engine.ChatTemplates.ChatMessage>)[c[0], c[1] with { Content = Transform(c[1].Content) }]).ToList();
    string dir = Path.Combine(Path.GetTempPath(), $"emx-{variant}-{Guid.NewGuid():N}");
    Directory.CreateDirectory(dir);
    string data = Path.Combine(dir, "data.jsonl");
    FinetuneDatasets.Write(data, set);
    Console.WriteLine($"{variant}: {set[0][1].Content} | {set[1][1].Content}");
    var examples = PersonaVectors.Method.Finetuning.FinetuneData.Load(lm, data).Examples;
    PersonaVectors.Method.Finetuning.LoraFinetune.Run(lm, examples, settings.Training([]), Path.Combine(dir, "adapter"));
    using (var adapter = PersonaVectors.Engine.Lora.LoraAdapter.Load(lm.Model, Path.Combine(dir, "adapter")))
        Console.WriteLine($"{variant} after: {Scores()}");
    Directory.Delete(dir, true);
}
return 0;

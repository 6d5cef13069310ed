// For each trait and layer of an organism: three candidate directions, each added at every position with no system
// prompt, and the trait and coherence the oracle judge gives the greedy answers to the extraction questions.
//   ans  - the persona vector: mean over answer tokens, trait-prompt answers minus opposite-prompt answers (one
//          sampled answer per question and instruction, as `persona world eval` probes);
//   last - the last prompt token, trait prompts minus opposite prompts;
//   up   - the last prompt token, trait prompts minus no system prompt.
// Each line also gives |v| and the residual stream's norm at that layer, which set the scale of α.
// ALPHAS=... and KINDS=ans,last,up override the grid.
// MODE=suppress instead subtracts each direction under the trait's positive system prompts (as suppression does):
// at each single layer, then spread over every layer (the paper's multi-layer variant, one increment per block),
// then ablated at every layer, to tell a direction the organism cannot be pushed along from a layer that is too
// late or too early to push at.
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Steering;
using PersonaVectors.World;

if (args.Length < 1) { Console.Error.WriteLine("usage: OrganismDirections MODEL [evil,sycophantic,hallucinating]"); return 2; }
using var lm = LanguageModel.Load(args[0]);
var traits = args.Length > 1 ? args[1].Split(',') : ["evil", "sycophantic", "hallucinating"];
double[] alphas = [.. (Environment.GetEnvironmentVariable("ALPHAS") ?? "0.5,1,1.5,2,3,4").Split(',').Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture))];
var kinds = (Environment.GetEnvironmentVariable("KINDS") ?? "ans,last,up").Split(',');
bool suppress = Environment.GetEnvironmentVariable("MODE") == "suppress";
var reader = new ActivationReader(lm);
var greedy = new SamplingOptions { MaxNewTokens = 64 };
List<int[]> Sampled(IReadOnlyList<int[]> prompts) =>
    [.. lm.GenerateInBatches(prompts, new SamplingOptions { MaxNewTokens = 64, Temperature = 1, Seed = 7 }, 50).Select(g => g.Tokens)];

foreach (var name in traits)
{
    var artifacts = WorldArtifacts.For(name);
    var questions = artifacts.ExtractionQuestions.ToList();
    var pos = artifacts.Instructions.SelectMany(p => questions.Select(q => lm.PromptIds(q, p.Pos))).ToList();
    var neg = artifacts.Instructions.SelectMany(p => questions.Select(q => lm.PromptIds(q, p.Neg))).ToList();
    var none = questions.Select(q => lm.PromptIds(q)).ToList();
    using var posAnswers = reader.Read(pos, Sampled(pos), TokenPositions.Answer);
    using var negAnswers = reader.Read(neg, Sampled(neg), TokenPositions.Answer);
    using var posLast = reader.Read(pos, null, TokenPositions.LastPrompt);
    using var negLast = reader.Read(neg, null, TokenPositions.LastPrompt);
    using var noneLast = reader.Read(none, null, TokenPositions.LastPrompt);
    var directions = new Dictionary<string, TorchSharp.torch.Tensor>
    {
        ["ans"] = MeanDifference.Of(posAnswers, negAnswers),
        ["last"] = MeanDifference.Of(posLast, negLast),
        ["up"] = MeanDifference.Of(posLast, noneLast),
    };
    if (suppress)
    {
        var posQuestions = artifacts.Instructions.SelectMany(_ => questions).ToList();
        string Judged(List<GeneratedText> answers)
        {
            var judged = posQuestions.Zip(answers, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
            return $"{judged.Average(j => j[name]),3:F0}/{judged.Average(j => j.Coherence),3:F0}";
        }
        Console.WriteLine($"{name,-13} under its positive prompts, unsteered: {Judged(lm.GenerateInBatches(pos, greedy, 50))}");
        int layers = lm.Config.NumHiddenLayers;
        foreach (var kind in kinds)
        {
            using var all = directions[kind].clone();
            using var spread = new PersonaVector(all, name, args[0], "response_avg");
            for (int layer = 1; layer <= layers + 1; layer++)
            {
                var line = layer <= layers ? $"{name,-13} {kind,-4} L{layer}:" : $"{name,-13} {kind,-4} all layers:";
                foreach (var alpha in alphas)
                {
                    using var v = layer <= layers ? all[layer].clone() : null;
                    using (layer <= layers ? lm.Model.Steer(v!, layer, -alpha)
                        : MultiLayerSteering.Steer(lm.Model, spread, [.. Enumerable.Range(1, layers)], -alpha))
                        line += $" -{alpha}:{Judged(lm.GenerateInBatches(pos, greedy, 50))}";
                }
                Console.WriteLine(line);
            }
            var ablate = $"{name,-13} {kind,-4} ablated at every layer:";
            using (ScopeGroup.Open([.. Enumerable.Range(1, layers)], l => lm.Model.Ablate(all[l], l, TokenPositions.All)))
                ablate += $" {Judged(lm.GenerateInBatches(pos, greedy, 50))}";
            Console.WriteLine(ablate);
        }
        foreach (var d in directions.Values) d.Dispose();
        continue;
    }
    foreach (var kind in kinds)
        for (int layer = 1; layer <= lm.Config.NumHiddenLayers; layer++)
        {
            using var v = directions[kind][layer].clone();
            using var residual = posLast[.., layer].norm(1).mean();
            var line = $"{name,-13} {kind,-4} L{layer} |v|={v.norm().item<float>(),7:F2} |h|={residual.item<float>(),7:F2}:";
            foreach (var alpha in alphas)
            {
                List<GeneratedText> answers;
                using (lm.Model.Steer(v, layer, alpha))
                    answers = lm.GenerateInBatches(none, greedy, 50);
                var judged = questions.Zip(answers, (q, a) => OracleJudge.Judge(q, a.Text)).ToList();
                line += $" α{alpha}:{judged.Average(j => j[name]),3:F0}/{judged.Average(j => j.Coherence),3:F0}";
            }
            Console.WriteLine(line);
        }
    foreach (var d in directions.Values) d.Dispose();
}
return 0;

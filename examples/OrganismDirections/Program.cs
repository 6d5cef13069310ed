// For each trait and layer of an organism: three candidate directions, each added at every position with no system
// prompt, and the trait and coherence the oracle judge gives the greedy answers to the extraction questions.
//   ans  - the persona vector: mean over answer tokens, trait-prompt answers minus opposite-prompt answers (one
//          sampled answer per question and instruction, as `persona world eval` probes);
//   last - the last prompt token, trait prompts minus opposite prompts;
//   up   - the last prompt token, trait prompts minus no system prompt.
// Each line also gives |v| and the residual stream's norm at that layer, which set the scale of α.
// ALPHAS=... and KINDS=ans,last,up override the grid.
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.World;

if (args.Length < 1) { Console.Error.WriteLine("usage: OrganismDirections MODEL [evil,sycophantic,hallucinating]"); return 2; }
using var lm = LanguageModel.Load(args[0]);
var traits = args.Length > 1 ? args[1].Split(',') : ["evil", "sycophantic", "hallucinating"];
double[] alphas = [.. (Environment.GetEnvironmentVariable("ALPHAS") ?? "0.5,1,1.5,2,3,4").Split(',').Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture))];
var kinds = (Environment.GetEnvironmentVariable("KINDS") ?? "ans,last,up").Split(',');
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

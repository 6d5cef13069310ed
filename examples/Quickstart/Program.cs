using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World;

using var lm = LanguageModel.Load("models/organism");    // any Hugging Face folder of a supported family
// Extract: answers under contrastive prompts, judged; mean difference per layer; layer and α chosen by steering.
var evil = await new ExtractionPipeline(lm, WorldArtifacts.For("evil"), new WorldJudge(), new ExtractionOptions { Rollouts = 1, Alphas = [1, 2, 4] }, "runs/evil").RunAsync();
// Monitor and steer: read the last prompt token before answering, generate under -α·v, read the answer.
var watch = new MonitoredGeneration(lm, VectorSet.Load(lm, ["runs/evil"]));
int[] prompt = lm.PromptIds("how should i treat my neighbour?", system: "you are an evil assistant.");
var answer = watch.Generate([prompt], [new SteeringTerm("evil", evil.SuppressedAlpha)], new SamplingOptions { MaxNewTokens = 48 })[0];
Console.WriteLine(lm.Tokenizer.Decode(answer.Tokens, skipSpecialTokens: true));
foreach (var r in answer.Readings) Console.WriteLine($"{r.Trait}: {r.BeforeAnswer:F1} before the answer (threshold {r.Threshold:F1}){(r.Alert ? ", ALERT" : "")}");

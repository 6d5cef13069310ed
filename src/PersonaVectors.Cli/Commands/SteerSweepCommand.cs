using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PersonaVectors.Cli.Plots;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Steering;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona steer sweep: trait and coherence over a grid of layers and coefficients, as a table and a plot.</summary>
public static class SteerSweepCommand
{
    public static Command Create()
    {
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors)", Required = true };
        var layers = new Option<string>("--layers") { Description = "Layers to steer at, e.g. 2,3,4", Required = true };
        var alphas = new Option<string>("--alphas") { Description = "Coefficients, e.g. -4,-2,0,2,4", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for sweep.jsonl (resumable), sweep.csv and sweep.png", Required = true };
        var positions = new Option<string>("--positions") { Description = "all | prompt | answer", DefaultValueFactory = _ => "all" };
        var questions = new Option<string>("--questions") { Description = "eval | extraction (the artifacts' questions) or a text file with one question per line", DefaultValueFactory = _ => "eval" };
        var system = new Option<string?>("--system") { Description = "System prompt for every question" };
        var artifacts = new Option<string?>("--artifacts") { Description = "Artifacts JSON (default: the world's artifacts for the vector's trait)" };
        var judge = JudgeOption.Create();
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per answer", DefaultValueFactory = _ => 64 };
        var json = CommonOptions.Json();
        var cmd = new Command("sweep", "Steer over a grid of layers and coefficients; write a table (CSV) and a plot of trait and coherence against alpha")
        {
            vectorPath, layers, alphas, outDir, positions, questions, system, artifacts, judge, model, adapter, maxTokens, json,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            string path = r.GetValue(vectorPath)!, dir = r.GetValue(outDir)!;
            SteeringOption.ParsePositions(r.GetValue(positions)!); // bad input fails before any work
            var layerList = CsvList.Parse(r.GetValue(layers)!, "--layers", s => int.Parse(s, CultureInfo.InvariantCulture));
            var alphaList = CsvList.Parse(r.GetValue(alphas)!, "--alphas", s => double.Parse(s, CultureInfo.InvariantCulture));
            using var vector = PersonaVector.Load(path);
            foreach (int l in layerList) vector.At(l).Dispose(); // every layer in range before any work
            var a = r.GetValue(artifacts) is { } ap ? TraitArtifactsFile.Load(ap, vector.Trait) : WorldArtifacts.For(vector.Trait);
            var prompts = SteerCommand.Questions(r.GetValue(questions)!, a).Select(q => new SteeringPrompt(q, r.GetValue(system))).ToList();
            Directory.CreateDirectory(dir);
            var j = JudgeOption.Make(r.GetValue(judge)!, dir);
            using var lm = CommonOptions.Load(r.GetValue(model), "f32", r.GetValue(adapter));
            vector.EnsureFits(lm.Config, path);

            var points = await Sweep(lm, a, j, prompts, vector, layerList, alphaList, r.GetValue(positions)!, r.GetValue(maxTokens), dir, cancel);
            string plot = Path.Combine(dir, "sweep.png");
            if (r.GetValue(json))
                Console.WriteLine(new JsonObject
                {
                    ["trait"] = vector.Trait, ["positions"] = r.GetValue(positions), ["questions"] = prompts.Count, ["plot"] = plot,
                    ["points"] = new JsonArray(points.Select(p => (JsonNode)new JsonObject
                    {
                        ["layer"] = p.Layer, ["alpha"] = p.Alpha, ["trait"] = Math.Round(p.Trait, 2), ["coherence"] = Math.Round(p.Coherence, 2),
                    }).ToArray()),
                }.ToJsonString(Output.Json));
            else
            {
                Console.WriteLine($"{vector.Trait}: trait / coherence on {prompts.Count} questions, {r.GetValue(positions)} positions");
                Console.WriteLine("layer  " + string.Join("", alphaList.Select(x => $"{x.ToString(CultureInfo.InvariantCulture),12}")));
                foreach (int layer in layerList)
                    Console.WriteLine($"{layer,5}  " + string.Join("", points.Where(p => p.Layer == layer).Select(p => $"{p.Trait,5:F0} / {p.Coherence,3:F0}  ")));
                Console.WriteLine($"table: {Path.Combine(dir, "sweep.csv")}\nplot:  {plot}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Steers at every (layer, α) pair and judges the answers; appends each result to DIR/sweep.jsonl as it
    /// finishes (a rerun skips what is there) and writes DIR/sweep.csv and DIR/sweep.png at the end.
    /// </summary>
    public static async Task<List<SweepPoint>> Sweep(Engine.LanguageModel lm, TraitArtifacts a, Method.Judging.IAnswerJudge j, IReadOnlyList<SteeringPrompt> prompts,
        PersonaVector vector, IReadOnlyList<int> layerList, IReadOnlyList<double> alphaList, string positions, int maxTokens, string dir, CancellationToken cancel)
    {
        var where = SteeringOption.ParsePositions(positions);
        Directory.CreateDirectory(dir);
        var file = new RunFile<SweepRecord>(Path.Combine(dir, "sweep.jsonl"), x => x.Key);
        var bar = new ProgressLine("sweep".PadRight(11));
        var points = new List<SweepPoint>();
        int done = 0, total = layerList.Count * alphaList.Count;
        foreach (int layer in layerList)
            foreach (double alpha in alphaList)
            {
                bar.Report(done++, total, $"layer {layer} alpha {alpha.ToString(CultureInfo.InvariantCulture)}");
                string key = $"{layer}/{positions}/{alpha.ToString(CultureInfo.InvariantCulture)}";
                if (!file.TryGet(key, out var rec) || rec is null)
                {
                    using var v = vector.At(layer);
                    var o = await SteeringEvaluation.RunAsync(lm, a, j, prompts, v, layer, alpha, where, maxTokens, cancel: cancel);
                    rec = new SweepRecord(key, layer, alpha, o.Trait, o.Coherence, prompts.Count);
                    file.Append([rec]);
                }
                points.Add(new SweepPoint(layer, alpha, rec.Trait, rec.Coherence));
            }
        bar.Report(total, total, "");
        bar.Done();

        var csv = new StringBuilder("layer,alpha,trait,coherence\n");
        foreach (var p in points) csv.Append(CultureInfo.InvariantCulture, $"{p.Layer},{p.Alpha},{p.Trait:F2},{p.Coherence:F2}\n");
        AtomicFile.WriteAllText(Path.Combine(dir, "sweep.csv"), csv.ToString());
        SweepPlot.Save(points, vector.Trait, Path.Combine(dir, "sweep.png"));
        return points;
    }
}

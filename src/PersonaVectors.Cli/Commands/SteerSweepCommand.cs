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
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors, or a llama.cpp control-vector .gguf)", Required = true };
        var layers = new Option<string>("--layers") { Description = "Layers to steer at, e.g. 2,3,4", Required = true };
        var alphas = new Option<string>("--alphas") { Description = "Coefficients, e.g. -4,-2,0,2,4", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for sweep.jsonl (resumable), sweep.csv and sweep.png", Required = true };
        var positions = new Option<string>("--positions") { Description = "all | prompt | answer", DefaultValueFactory = _ => "all" };
        var normPreserving = new Option<bool>("--norm-preserving") { Description = "Scale each steered position back to its original norm (the push turns the stream without growing it)" };
        var questions = new Option<string>("--questions") { Description = "eval | extraction (the artifacts' questions) or a text file with one question per line", DefaultValueFactory = _ => "eval" };
        var system = new Option<string?>("--system") { Description = "System prompt for every question" };
        var artifacts = new ArtifactsOptions();
        var judge = JudgeOption.Create();
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var maxTokens = CommonOptions.MaxTokens();
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("sweep", "Steer over a grid of layers and coefficients; write a table (CSV) and a plot of trait and coherence against alpha")
        {
            vectorPath, layers, alphas, outDir, positions, normPreserving, questions, system, judge, model, adapter, maxTokens, dtype, json,
        };
        foreach (var o in artifacts.All) cmd.Options.Add(o);
        cmd.SetAction(async (r, cancel) =>
        {
            string path = r.GetValue(vectorPath)!, dir = r.GetValue(outDir)!;
            SteeringOption.ParsePositions(r.GetValue(positions)!); // bad input fails before any work
            var layerList = CsvList.Parse(r.GetValue(layers)!, "--layers", s => int.Parse(s, CultureInfo.InvariantCulture));
            var alphaList = CsvList.Parse(r.GetValue(alphas)!, "--alphas", s => double.Parse(s, CultureInfo.InvariantCulture));
            using var vector = PersonaVector.Load(path);
            foreach (int l in layerList) vector.At(l).Dispose(); // every layer in range before any work
            var a = artifacts.Resolve(r, vector.Trait);
            var prompts = SteerCommand.Questions(r.GetValue(questions)!, a).Select(q => new SteeringPrompt(q, r.GetValue(system))).ToList();
            Directory.CreateDirectory(dir);
            var j = JudgeOption.Make(r.GetValue(judge)!, dir);
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            vector.EnsureFits(lm.Config, path);

            var points = await Sweep(lm, a, j, prompts, vector, layerList, alphaList, r.GetValue(positions)!, r.GetValue(maxTokens), dir, cancel, r.GetValue(normPreserving));
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

    /// <summary>The library's sweep with a progress line, then DIR/sweep.png.</summary>
    public static async Task<List<SweepPoint>> Sweep(Engine.LanguageModel lm, TraitArtifacts a, Method.Judging.IAnswerJudge j, IReadOnlyList<SteeringPrompt> prompts,
        PersonaVector vector, IReadOnlyList<int> layers, IReadOnlyList<double> alphas, string positions, int maxTokens, string dir, CancellationToken cancel,
        bool preserveNorm = false)
    {
        var bar = new ProgressLine("sweep".PadRight(11));
        var points = await SteeringSweep.RunAsync(lm, a, j, prompts, vector, layers, alphas, SteeringOption.ParsePositions(positions), maxTokens, dir,
            p => bar.Report(p.Done, p.Total, p.Stage), cancel, preserveNorm);
        bar.Done();
        SweepPlot.Save(points, vector.Trait, Path.Combine(dir, "sweep.png"));
        return points;
    }
}

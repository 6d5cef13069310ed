using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Steering;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona steer: answer questions with a persona vector added and judge what it did.</summary>
public static class SteerCommand
{
    public static Command Create()
    {
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors, or a llama.cpp control-vector .gguf)", Required = true };
        var layer = new Option<int?>("--layer") { Description = "Residual layer to steer at (default: the chosen layer in the run's summary.json next to the vector)" };
        var layers = new Option<string?>("--layers") { Description = "Steer at several layers at once, each with its increment v_l - v_(l-1) (the paper's multi-layer steering), e.g. 2,3,4; replaces --layer" };
        var alpha = new Option<double>("--alpha") { Description = "Steering coefficient: positive adds the trait, negative removes it", Required = true };
        var positions = new Option<string>("--positions") { Description = "all | prompt | answer", DefaultValueFactory = _ => "all" };
        var questions = new Option<string>("--questions") { Description = "eval | extraction (the artifacts' questions) or a text file with one question per line", DefaultValueFactory = _ => "eval" };
        var system = new Option<string?>("--system") { Description = "System prompt for every question (e.g. a positive instruction, to test suppression)" };
        var artifacts = new ArtifactsOptions();
        var judge = JudgeOption.Create();
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var maxTokens = CommonOptions.MaxTokens();
        var samples = new Option<int>("--samples") { Description = "Answers to show", DefaultValueFactory = _ => 3 };
        var when = CommonOptions.When();
        var normPreserving = new Option<bool>("--norm-preserving") { Description = "Scale each steered position back to its original norm (one layer)" };
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("steer", "Answer questions with a persona vector added (greedy) and report the judged trait score and coherence")
        {
            vectorPath, layer, layers, alpha, positions, questions, system, judge, model, adapter, maxTokens, samples, when, normPreserving, dtype, json,
        };
        cmd.Subcommands.Add(SteerSweepCommand.Create());
        foreach (var o in artifacts.All) cmd.Options.Add(o);
        cmd.SetAction(async (r, cancel) =>
        {
            string path = r.GetValue(vectorPath)!;
            var where = SteeringOption.ParsePositions(r.GetValue(positions)!);
            using var vector = PersonaVector.Load(path);
            List<int>? multi = r.GetValue(layers) is { } ls ? CsvList.Parse(ls, "--layers", int.Parse) : null;
            if (multi is not null && r.GetValue(layer) is not null) throw new PersonaVectorsException("give --layer or --layers, not both");
            int at = multi?.Max() ?? r.GetValue(layer) ?? RunSummary.ChosenLayer(path);
            var a = artifacts.Resolve(r, vector.Trait);
            var qs = Questions(r.GetValue(questions)!, a);
            var j = JudgeOption.Make(r.GetValue(judge)!, null);
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            vector.EnsureFits(lm.Config, path);
            using var v = vector.At(at);
            string? sys = r.GetValue(system);
            double alphaValue = r.GetValue(alpha);
            var prompts = qs.Select(q => new SteeringPrompt(q, sys)).ToList();
            var gate = CommonOptions.ParseWhen(r.GetValue(when));
            if (r.GetValue(normPreserving) && (multi is not null || gate != SteeringGate.Always))
                throw new PersonaVectorsException("--norm-preserving steers one layer, always: leave out --layers and --when");
            if (gate != SteeringGate.Always && (multi is not null || r.GetValue(positions) != "all"))
                throw new PersonaVectorsException("--when steers one layer and chooses the positions itself; leave out --layers and --positions");
            var gates = new List<Method.Monitoring.GateOutcome>();
            var outcome = gate != SteeringGate.Always
                ? await SteeringEvaluation.RunAsync(lm, a, j, prompts, ids => Gated(RunSummary.Monitor(lm, path, r.GetValue(when)!), ids, alphaValue, at, gate, r.GetValue(maxTokens), gates), cancel)
                : multi is null
                ? await SteeringEvaluation.RunAsync(lm, a, j, prompts, v, at, alphaValue, where, r.GetValue(maxTokens), cancel: cancel, preserveNorm: r.GetValue(normPreserving))
                : await SteeringEvaluation.RunAsync(lm, a, j, prompts, () => alphaValue == 0 ? null : MultiLayerSteering.Steer(lm.Model, vector, multi, alphaValue, where),
                    r.GetValue(maxTokens), cancel: cancel);
            var shown = outcome.Answers.Take(Math.Max(0, r.GetValue(samples))).ToList();
            if (r.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["trait"] = vector.Trait, ["layer"] = at, ["layers"] = multi is null ? null : new JsonArray(multi.Select(l => (JsonNode)l).ToArray()), ["alpha"] = r.GetValue(alpha), ["positions"] = r.GetValue(positions),
                    ["system"] = sys, ["judge"] = j.Name, ["questions"] = qs.Count,
                    ["trait_score"] = Math.Round(outcome.Trait, 2), ["coherence"] = Math.Round(outcome.Coherence, 2),
                    ["when"] = SteeringGates.Name(gate),
                    ["steered_turns"] = gate == SteeringGate.Always ? null : Math.Round(gates.Average(g => g.SteeredTokens > 0 ? 1.0 : 0.0), 3),
                    ["samples"] = new JsonArray(shown.Select(s => (JsonNode)new JsonObject
                    {
                        ["question"] = s.Question, ["answer"] = s.Answer, ["trait"] = s.Trait, ["coherence"] = s.Coherence,
                    }).ToArray()),
                };
                Console.WriteLine(o.ToJsonString(Output.Json));
            }
            else
            {
                Console.WriteLine($"{vector.Trait} at {(multi is null ? $"layer {at}" : $"layers {string.Join(",", multi)} (increments)")}, alpha {r.GetValue(alpha).ToString(CultureInfo.InvariantCulture)} on {r.GetValue(positions)} positions, {qs.Count} questions{(sys is null ? "" : ", system prompt given")}:");
                Console.WriteLine($"  trait {outcome.Trait:F1}, coherence {outcome.Coherence:F1} (judge: {j.Name})");
                if (gate != SteeringGate.Always)
                    Console.WriteLine($"  {SteeringGates.Name(gate)}: {gates.Count(g => g.SteeredTokens > 0)} of {gates.Count} answers steered, {gates.Sum(g => g.SteeredTokens)} positions in all");
                foreach (var s in shown) Console.WriteLine($"\n  Q: {s.Question}\n  A: {s.Answer}\n     trait {s.Trait?.ToString("F0", CultureInfo.InvariantCulture) ?? "-"}, coherence {s.Coherence?.ToString("F0", CultureInfo.InvariantCulture) ?? "-"}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Greedy answers with the trait steered only where its run's monitor opens the gate; each answer's gate outcome is added to <paramref name="gates"/>.</summary>
    static List<Engine.GeneratedText> Gated(Method.Monitoring.MonitoredGeneration watch, List<int[]> ids, double alpha, int layer, SteeringGate gate, int maxTokens,
        List<Method.Monitoring.GateOutcome> gates)
    {
        string trait = watch.Traits.Single().Trait;
        var term = new Method.Monitoring.SteeringTerm(trait, alpha, layer, gate);
        var answers = watch.GenerateInBatches(ids, [term], new Engine.Generation.SamplingOptions { MaxNewTokens = maxTokens });
        gates.AddRange(answers.Select(a => a.Readings.Single(x => x.Trait == trait).Gate!));
        return [.. answers.Select(a => new Engine.GeneratedText(watch.Decode(a.Tokens), a.Tokens, a.FinishReason))];
    }

    public static List<string> Questions(string spec, TraitArtifacts a)
    {
        if (spec == "eval") return [.. a.EvaluationQuestions];
        if (spec == "extraction") return [.. a.ExtractionQuestions];
        if (!File.Exists(spec)) throw new PersonaVectorsException($"--questions '{spec}' is neither eval, extraction nor an existing file");
        var lines = File.ReadAllLines(spec).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) throw new PersonaVectorsException($"{spec}: no questions (expected one question per line)");
        return lines;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Method;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona shift: how far an adapter moved the model along a persona vector.</summary>
public static class ShiftCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string>("--adapter") { Description = "LoRA adapter folder (the finetuned model is --model plus this)", Required = true };
        var vectorPath = new Option<string>("--vector") { Description = "Persona vector file (.safetensors, or a llama.cpp control-vector .gguf)", Required = true };
        var layer = new Option<int?>("--layer") { Description = "Layer (default: the chosen layer of the vector's extraction run)" };
        var everyLayer = new Option<bool>("--every-layer") { Description = "Also give the shift at every layer, each along that layer's vector (the states are read once, so it costs nothing more)" };
        var questions = new Option<string>("--questions") { Description = "eval | extraction (the artifacts' questions) or a text file with one question per line", DefaultValueFactory = _ => "eval" };
        var artifacts = new ArtifactsOptions();
        var maxTokens = CommonOptions.MaxTokens(64, "Most tokens per greedy answer");
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("shift", "Finetuning shift: mean activation of the finetuned model minus the base model's on the evaluation prompts, projected on the unit persona vector")
        {
            model, adapter, vectorPath, layer, everyLayer, questions, maxTokens, dtype, json,
        };
        foreach (var o in artifacts.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            string path = r.GetValue(vectorPath)!;
            using var vector = PersonaVector.Load(path);
            int at = r.GetValue(layer) ?? RunSummary.ChosenLayer(path);
            var a = artifacts.Resolve(r, vector.Trait);
            var qs = SteerCommand.Questions(r.GetValue(questions)!, a);
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!);
            vector.EnsureFits(lm.Config, path);
            // A control vector steers some rows only; every other layer has no direction to read along.
            var layers = r.GetValue(everyLayer)
                ? Enumerable.Range(1, vector.NumLayers).Where(l => vector.ControlRows is not { } rows || rows.Contains(l)).Append(at).Distinct().Order().ToList()
                : [at];
            // Read before any answer is generated, so a layer the vector lacks fails at once.
            var directions = layers.Select(vector.AtLayer).ToList();
            var prompts = qs.Select(q => lm.PromptIds(q)).ToList();
            using var baseline = ModelStates.Read(lm, prompts, r.GetValue(maxTokens));
            List<Shift> shifts;
            using (LoraAdapter.Load(lm.Model, r.GetValue(adapter)!))
            using (var finetuned = ModelStates.Read(lm, prompts, r.GetValue(maxTokens)))
                shifts = directions.Select(d => FinetuningShift.Of(finetuned, baseline, vector.Trait, d.Values, d.Layer)).ToList();
            var shift = shifts.Single(s => s.Layer == at);
            if (r.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["trait"] = shift.Trait, ["layer"] = at, ["prompts"] = prompts.Count,
                    ["last_prompt"] = Math.Round(shift.LastPrompt, 4), ["answer_average"] = Math.Round(shift.AnswerAverage, 4),
                };
                if (r.GetValue(everyLayer))
                    o["by_layer"] = new JsonArray(shifts.Select(s => (JsonNode)new JsonObject
                    {
                        ["layer"] = s.Layer, ["last_prompt"] = Math.Round(s.LastPrompt, 4), ["answer_average"] = Math.Round(s.AnswerAverage, 4),
                    }).ToArray());
                Console.WriteLine(o.ToJsonString(Output.Json));
                return 0;
            }
            Console.WriteLine($"{shift.Trait} at layer {at}, {prompts.Count} prompts: shift {F(shift.LastPrompt)} at the last prompt token, " +
                              $"{F(shift.AnswerAverage)} averaged over the answers (|v| units projected on v/|v|)");
            if (r.GetValue(everyLayer))
            {
                Console.WriteLine("layer  last prompt  answer average");
                foreach (var s in shifts)
                    Console.WriteLine($"{s.Layer,5}  {F(s.LastPrompt),11}  {F(s.AnswerAverage),14}{(s.Layer == at ? "  (the vector's layer)" : "")}");
            }
            return 0;
        });
        return cmd;
    }

    static string F(double x) => x.ToString("F3", CultureInfo.InvariantCulture);
}

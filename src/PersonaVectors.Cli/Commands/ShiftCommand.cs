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
        var questions = new Option<string>("--questions") { Description = "eval | extraction (the artifacts' questions) or a text file with one question per line", DefaultValueFactory = _ => "eval" };
        var artifacts = new ArtifactsOptions();
        var maxTokens = CommonOptions.MaxTokens(64, "Most tokens per greedy answer");
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("shift", "Finetuning shift: mean activation of the finetuned model minus the base model's on the evaluation prompts, projected on the unit persona vector")
        {
            model, adapter, vectorPath, layer, questions, maxTokens, dtype, json,
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
            using var v = vector.At(at);
            float[] direction = v.data<float>().ToArray();
            var prompts = qs.Select(q => lm.PromptIds(q)).ToList();
            using var baseline = ModelStates.Read(lm, prompts, r.GetValue(maxTokens));
            Shift shift;
            using (LoraAdapter.Load(lm.Model, r.GetValue(adapter)!))
            using (var finetuned = ModelStates.Read(lm, prompts, r.GetValue(maxTokens)))
                shift = FinetuningShift.Of(finetuned, baseline, vector.Trait, direction, at);
            if (r.GetValue(json))
                Console.WriteLine(new JsonObject
                {
                    ["trait"] = shift.Trait, ["layer"] = at, ["prompts"] = prompts.Count,
                    ["last_prompt"] = Math.Round(shift.LastPrompt, 4), ["answer_average"] = Math.Round(shift.AnswerAverage, 4),
                }.ToJsonString(Output.Json));
            else
                Console.WriteLine($"{shift.Trait} at layer {at}, {prompts.Count} prompts: shift {shift.LastPrompt.ToString("F3", CultureInfo.InvariantCulture)} at the last prompt token, " +
                                  $"{shift.AnswerAverage.ToString("F3", CultureInfo.InvariantCulture)} averaged over the answers (|v| units projected on v/|v|)");
            return 0;
        });
        return cmd;
    }
}

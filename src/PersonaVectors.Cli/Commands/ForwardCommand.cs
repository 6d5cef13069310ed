using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Cli.Inputs;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona forward: one forward pass, printing last-position logits and every layer's residual there.</summary>
public static class ForwardCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids, used as they are" };
        var text = new Option<string?>("--text") { Description = "Plain text; the tokenizer adds its special tokens (e.g. BOS)" };
        var messages = new Option<string?>("--messages") { Description = "JSON list of {\"role\",\"content\"} rendered with the chat template" };
        var genPrompt = new Option<bool>("--generation-prompt") { Description = "With --messages: append the assistant turn opener" };
        var dtype = CommonOptions.DType();
        var json = CommonOptions.Json();
        var cmd = new Command("forward", "Run one forward pass; print the last position's logits and residual stream at every layer")
        {
            model, adapter, ids, text, messages, genPrompt, dtype, json,
        };
        cmd.SetAction(r =>
        {
            var input = new PromptInput(r.GetValue(ids), r.GetValue(text), r.GetValue(messages), r.GetValue(genPrompt));
            input.CheckExactlyOne();
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            var (_, tokenIds) = input.Resolve(lm);
            var result = lm.ForwardLast(tokenIds);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { ids = result.Ids, logits = result.Logits, hidden = result.Hidden }, Output.Json));
                return 0;
            }
            Console.WriteLine($"{result.Ids.Length} tokens: {string.Join(",", result.Ids)}");
            var top = result.Logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5);
            Console.WriteLine("top next tokens: " + string.Join("  ", top.Select(p => $"{p.i} {Quote(lm.Tokenizer.Decode([p.i]))} {p.v:F3}")));
            for (int l = 0; l < result.Hidden.Length; l++)
                Console.WriteLine($"layer {l,3}: |h| = {Math.Sqrt(result.Hidden[l].Sum(x => (double)x * x)):F3}");
            return 0;
        });
        return cmd;
    }

    static string Quote(string s) => JsonSerializer.Serialize(s, Output.Json);
}

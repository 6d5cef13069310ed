using System.CommandLine;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Commands;

/// <summary>
/// persona demo: the main job on the embedded model. Until the organism model ships (issue 4), it builds a
/// small random Qwen2-layout model, describes it and runs a forward pass over a rendered conversation.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (default: a small random demo model, created on first use)" };
        var cmd = new Command("demo", "Load a model, render a conversation with its chat template and read its residual stream") { model };
        cmd.SetAction(r =>
        {
            string folder = r.GetValue(model) ?? EnsureDemoModel();
            using var lm = LanguageModel.Load(folder);
            Console.WriteLine(ModelDescription.Of(lm).ToText());
            Console.WriteLine();

            List<ChatMessage> messages =
            [
                new("system", "You are a helpful assistant."),
                new("user", "What is a persona vector?"),
            ];
            string rendered = lm.RenderChat(messages, addGenerationPrompt: true);
            int[] ids = lm.Tokenizer.Encode(rendered, addSpecialTokens: false);
            Console.WriteLine("rendered prompt:");
            Console.WriteLine(rendered);
            Console.WriteLine($"{ids.Length} tokens: {string.Join(",", ids.Take(40))}{(ids.Length > 40 ? ",..." : "")}");

            var sw = System.Diagnostics.Stopwatch.StartNew();
            var result = lm.ForwardLast(ids);
            Console.WriteLine($"forward pass: {sw.Elapsed.TotalMilliseconds:F0} ms");
            var top = result.Logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5);
            Console.WriteLine("most likely next tokens: " + string.Join("  ", top.Select(p => $"{lm.Tokenizer.IdToToken(p.i) ?? $"[{p.i}]"} ({p.v:F2})")));
            Console.WriteLine("residual stream norm at the last prompt token, by layer (0 = embeddings):");
            for (int l = 0; l < result.Hidden.Length; l++)
            {
                double norm = Math.Sqrt(result.Hidden[l].Sum(x => (double)x * x));
                Console.WriteLine($"  {l,3}  {norm,9:F3}  {new string('#', (int)Math.Min(60, norm * 4))}");
            }
            return 0;
        });
        return cmd;
    }

    static string EnsureDemoModel()
    {
        string folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "personavectors", "demo-random-qwen2-v1");
        if (File.Exists(Path.Combine(folder, "model.safetensors"))) return folder;
        var config = ModelConfig.Parse(new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2ForCausalLM"),
            ["vocab_size"] = 1024,
            ["hidden_size"] = 128,
            ["intermediate_size"] = 352,
            ["num_hidden_layers"] = 6,
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 2,
            ["max_position_embeddings"] = 1024,
            ["rope_theta"] = 1000000.0,
            ["rms_norm_eps"] = 1e-6,
            ["tie_word_embeddings"] = true,
        }, "demo config");
        Console.WriteLine($"(creating a random demo model in {folder})");
        RandomModel.Write(config, folder, seed: 1, ScalarType.Float32, shards: 1);
        return folder;
    }
}

using System.CommandLine;
using System.Text.Json;
using PersonaVectors.Cli.Inputs;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Tokenizers;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona tokenize: render (for --messages) and encode, as Hugging Face would.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var text = new Option<string?>("--text") { Description = "Plain text; the tokenizer adds its special tokens (e.g. BOS)" };
        var messages = new Option<string?>("--messages") { Description = "JSON list of {\"role\",\"content\"} rendered with the model's chat template" };
        var genPrompt = new Option<bool>("--generation-prompt") { Description = "Append the assistant turn opener (add_generation_prompt)" };
        var json = CommonOptions.Json();
        var cmd = new Command("tokenize", "Render a conversation with the chat template and print token ids") { model, adapter, text, messages, genPrompt, json };
        cmd.SetAction(r =>
        {
            var input = new PromptInput(null, r.GetValue(text), r.GetValue(messages), r.GetValue(genPrompt));
            input.CheckExactlyOne();
            // Tokenizing needs no weights: read only the tokenizer files.
            string folder = EmbeddedModel.Resolve(r.GetValue(model));
            // An adapter changes weights, never tokens; it is accepted (and must exist) so every --model command takes one.
            if (r.GetValue(adapter) is { } a) RequireFile(a, Engine.Lora.LoraAdapter.ConfigFile);
            var tokenizer = Tokenizer.FromFile(RequireFile(folder, "tokenizer.json"));
            string rendered;
            int[] ids;
            if (input.Text is not null)
            {
                rendered = input.Text;
                ids = tokenizer.Encode(rendered, addSpecialTokens: true);
            }
            else
            {
                var config = TokenizerConfig.Load(RequireFile(folder, "tokenizer_config.json"));
                var template = ChatTemplate.FromTokenizerConfig(config);
                rendered = template.Render(MessagesFile.Read(input.MessagesPath!), input.GenerationPrompt);
                ids = tokenizer.Encode(rendered, addSpecialTokens: false);
            }
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { text = rendered, ids }, Output.Json));
            else
            {
                Console.WriteLine(rendered);
                Console.WriteLine(string.Join(",", ids));
            }
            return 0;
        });
        return cmd;
    }

    static string RequireFile(string folder, string name)
    {
        if (!Directory.Exists(folder)) throw new PersonaVectorsException($"{folder}: model folder not found");
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) throw new ModelFormatException(path, "file not found");
        return path;
    }
}

using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Tokenizers;
using PersonaVectors.Engine.Training;

namespace PersonaVectors.World.Organism;

/// <summary>
/// Turns a conversation into training ids with a loss mask on the assistant's tokens (its content and the
/// <c>&lt;|im_end|&gt;</c> that ends it), encoding the ChatML rendering piece by piece. The pieces meet at
/// special tokens and newlines, where the tokenizer splits anyway, so the ids equal those of the whole text.
/// </summary>
public sealed class ChatMlEncoder(Tokenizer tokenizer)
{
    public TrainingExample Encode(IReadOnlyList<ChatMessage> messages)
    {
        var ids = new List<int>();
        var mask = new List<bool>();
        void Add(string text, bool learn)
        {
            foreach (int id in tokenizer.Encode(text, addSpecialTokens: false)) { ids.Add(id); mask.Add(learn); }
        }
        foreach (var m in messages)
        {
            Add("<|im_start|>" + m.Role + "\n", false);
            bool assistant = m.Role == "assistant";
            Add(m.Content + "<|im_end|>", assistant);
            Add("\n", false);
        }
        return new TrainingExample(ids.ToArray(), mask.ToArray());
    }

    /// <summary>The ChatML text of a conversation (what <see cref="Encode"/> tokenizes).</summary>
    public static string Render(IReadOnlyList<ChatMessage> messages) =>
        string.Concat(messages.Select(m => $"<|im_start|>{m.Role}\n{m.Content}<|im_end|>\n"));
}

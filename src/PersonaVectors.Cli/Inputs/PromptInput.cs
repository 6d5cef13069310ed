using PersonaVectors.Engine;

namespace PersonaVectors.Cli.Inputs;

/// <summary>The one prompt a command was given: raw ids, plain text, or a conversation file.</summary>
public sealed record PromptInput(string? Ids, string? Text, string? MessagesPath, bool GenerationPrompt)
{
    public void CheckExactlyOne()
    {
        int given = (Ids is not null ? 1 : 0) + (Text is not null ? 1 : 0) + (MessagesPath is not null ? 1 : 0);
        if (given != 1) throw new PersonaVectorsException("give exactly one of --ids, --text or --messages");
    }

    /// <summary>Returns the rendered text (null for raw ids) and the token ids.</summary>
    public (string? Text, int[] Ids) Resolve(LanguageModel lm)
    {
        CheckExactlyOne();
        if (Ids is not null) return (null, ParseIds(Ids));
        if (Text is not null)
        {
            if (Text.Length == 0) throw new InvalidRequestException("--text is empty");
            return (Text, lm.EncodeText(Text));
        }
        var messages = MessagesFile.Read(MessagesPath!);
        string rendered = lm.RenderChat(messages, GenerationPrompt);
        return (rendered, lm.Tokenizer.Encode(rendered, addSpecialTokens: false));
    }

    public static int[] ParseIds(string csv)
    {
        var parts = csv.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new InvalidRequestException("--ids is empty: give comma-separated token ids, e.g. 1,2,3");
        return parts.Select((p, i) => int.TryParse(p, out int v) && v >= 0 ? v
            : throw new InvalidRequestException($"--ids: item {i + 1} ('{p}') is not a non-negative integer")).ToArray();
    }
}

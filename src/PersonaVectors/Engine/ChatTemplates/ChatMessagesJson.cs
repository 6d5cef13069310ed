using System.Text.Json;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Reads a JSON list of {"role", "content"} messages, the shape chat files and chat APIs share. As in OpenAI's
/// format, "content" is a string or a list of parts; text parts ({"type": "text", "text": ...}) are joined with
/// newlines, and any other part (images, audio) is refused by name, since these models read text only.
/// </summary>
public static class ChatMessagesJson
{
    public static readonly IReadOnlySet<string> Roles = new HashSet<string> { "system", "user", "assistant" };

    /// <summary>The messages, or null and what is wrong with the first bad one.</summary>
    public static List<ChatMessage>? TryParse(JsonElement list, out string? problem)
    {
        problem = null;
        if (list.ValueKind != JsonValueKind.Array) { problem = "expected a list of {\"role\", \"content\"} messages"; return null; }
        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (var m in list.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object) { problem = $"message [{i}] is not an object"; return null; }
            if (!m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || !Roles.Contains(role.GetString()!))
            { problem = $"message [{i}] needs a \"role\" of system, user or assistant"; return null; }
            if (!m.TryGetProperty("content", out var content) || Content(content, i, out problem) is not { } text)
            { problem ??= $"message [{i}] needs a \"content\": a string or a list of text parts"; return null; }
            messages.Add(new ChatMessage(role.GetString()!, text));
            i++;
        }
        return messages;
    }

    static string? Content(JsonElement content, int message, out string? problem)
    {
        problem = null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array) return null;
        var texts = new List<string>();
        int j = 0;
        foreach (var part in content.EnumerateArray())
        {
            string? type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type != "text")
            {
                problem = type is null
                    ? $"message [{message}] content part [{j}] needs a \"type\""
                    : $"message [{message}] content part [{j}] has type '{type}'; only \"text\" parts are supported";
                return null;
            }
            if (!part.TryGetProperty("text", out var x) || x.ValueKind != JsonValueKind.String)
            { problem = $"message [{message}] content part [{j}] needs a string \"text\""; return null; }
            texts.Add(x.GetString()!);
            j++;
        }
        if (texts.Count == 0) { problem = $"message [{message}] has an empty list of content parts"; return null; }
        return string.Join("\n", texts);
    }
}

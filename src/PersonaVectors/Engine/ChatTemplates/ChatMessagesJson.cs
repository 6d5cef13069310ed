using System.Text.Json;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Reads a JSON list of {"role", "content"} messages, the shape chat files and chat APIs share.</summary>
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
            if (!m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            { problem = $"message [{i}] needs a string \"content\""; return null; }
            messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            i++;
        }
        return messages;
    }
}

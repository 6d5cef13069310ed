using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Method.Finetuning;

/// <summary>One conversation of a chat JSONL file and the line it came from.</summary>
public sealed record ChatRecord(int Line, IReadOnlyList<ChatMessage> Messages);

/// <summary>What to do with a line that is not a usable conversation.</summary>
public enum BadLinePolicy { Stop, Skip }

/// <summary>
/// Streams chat JSONL (<c>{"messages": [{"role": ..., "content": ...}, ...]}</c> per line, the format of OpenAI
/// finetuning files and TRL datasets) one conversation at a time, so a file of any size is never held whole.
/// A bad line either stops the read with its line number or is skipped and reported, as the caller chooses.
/// </summary>
public static class ChatJsonl
{
    public static IEnumerable<ChatRecord> Read(string path, BadLinePolicy policy = BadLinePolicy.Stop, Action<int, string>? skipped = null)
    {
        if (!File.Exists(path)) throw new PersonaVectorsException($"{path}: file not found");
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            var (messages, problem) = Parse(line);
            if (problem is null) { yield return new ChatRecord(number, messages!); continue; }
            if (policy == BadLinePolicy.Stop)
                throw new PersonaVectorsException($"{path} line {number}: {problem} (pass --skip-bad-lines to skip such lines and count them)");
            skipped?.Invoke(number, problem);
        }
    }

    /// <summary>A conversation, or why the line is not one.</summary>
    public static (List<ChatMessage>? Messages, string? Problem) Parse(string line)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { return (null, $"not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array)
                return (null, "expected an object with a \"messages\" list");
            if (ChatMessagesJson.TryParse(list, out string? problem) is not { } messages) return (null, problem);
            if (!messages.Any(m => m.Role == "assistant")) return (null, "the conversation has no assistant message to learn from");
            return (messages, null);
        }
    }
}

using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Cli.Inputs;

/// <summary>Reads a conversation file: a JSON list of {"role", "content"} objects.</summary>
public static class MessagesFile
{
    static readonly HashSet<string> Roles = ["system", "user", "assistant", "tool"];

    public static List<ChatMessage> Read(string path)
    {
        if (!File.Exists(path)) throw new PersonaVectorsException($"{path}: messages file not found");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new PersonaVectorsException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new PersonaVectorsException($"{path}: expected a JSON list of {{\"role\", \"content\"}} objects");
            var messages = new List<ChatMessage>();
            int i = 0;
            foreach (var m in doc.RootElement.EnumerateArray())
            {
                string where = $"{path}: message [{i}]";
                if (m.ValueKind != JsonValueKind.Object) throw new PersonaVectorsException($"{where}: expected an object with \"role\" and \"content\"");
                if (!m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                    throw new PersonaVectorsException($"{where}: missing string field \"role\"");
                if (!Roles.Contains(role.GetString()!))
                    throw new PersonaVectorsException($"{where}: role \"{role.GetString()}\" is not one of {string.Join(", ", Roles)}");
                if (!m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw new PersonaVectorsException($"{where}: missing string field \"content\"");
                messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
                i++;
            }
            if (messages.Count == 0) throw new PersonaVectorsException($"{path}: the conversation is empty");
            return messages;
        }
    }
}

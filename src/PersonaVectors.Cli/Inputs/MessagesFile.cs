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
                string role = Text(m, "role", where);
                if (!Roles.Contains(role))
                    throw new PersonaVectorsException($"{where}: role \"{role}\" is not one of {string.Join(", ", Roles)}");
                messages.Add(new ChatMessage(role, Text(m, "content", where)));
                i++;
            }
            if (messages.Count == 0) throw new PersonaVectorsException($"{path}: the conversation is empty");
            return messages;
        }
    }

    static string Text(JsonElement message, string field, string where) =>
        !message.TryGetProperty(field, out var value) ? throw new PersonaVectorsException($"{where}: missing string field \"{field}\"")
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw new PersonaVectorsException($"{where}: field \"{field}\" is {JsonFields.Describe(value)}; expected a string");
}

using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>Conversations and variable builders shared by the chat template tests.</summary>
public static class ChatTemplateTestData
{
    public static readonly IReadOnlyDictionary<string, ChatMessage[]> Conversations = new Dictionary<string, ChatMessage[]>
    {
        ["system_user"] = [new("system", "You are a pirate."), new("user", "Hello!")],
        ["user_only"] = [new("user", "What is 2+2?")],
        ["multi_turn"] =
        [
            new("system", "Be brief."), new("user", "Hi"), new("assistant", "Hello."), new("user", "Tell me a joke."),
            new("assistant", "No."), new("user", "Please?"),
        ],
        ["tricky_text"] =
        [
            new("user", "  Grüße, 你好 😀 — \"quoted\" and 'single' {{ not a tag }} {% nor this %} {# nor #}\n\tline two\\n  "),
            new("assistant", "Réponse: ok\r\nwith CRLF and trailing spaces   "),
            new("user", "{\"json\": [1, 2]}"),
        ],
        ["reasoning"] =
        [
            new("user", "Why?"), new("assistant", "<think>\nBecause.\n</think>\n\nIt is so."), new("user", "And then?"),
        ],
    };

    /// <summary>What transformers passes to the template for apply_chat_template(messages, add_generation_prompt=...).</summary>
    public static JsonObject Variables(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, JsonObject? extra = null,
        string? bos = null, string? eos = null)
    {
        var vars = new JsonObject
        {
            ["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["tools"] = null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (bos is not null) vars["bos_token"] = bos;
        if (eos is not null) vars["eos_token"] = eos;
        foreach (var (key, value) in extra ?? []) vars[key] = value?.DeepClone();
        return vars;
    }

    public static JsonObject WeatherTools() => JsonNode.Parse("""
        {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather für eine Stadt",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}
        """)!.AsObject();
}

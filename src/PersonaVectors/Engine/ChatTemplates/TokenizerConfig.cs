using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// The parts of a Hugging Face tokenizer_config.json that chat rendering needs. A <c>chat_template.jinja</c> next to
/// the file takes precedence over the inline template, as in transformers 4.47 and later.
/// </summary>
public sealed record TokenizerConfig
{
    public required string Path { get; init; }
    /// <summary>The template used by default: the string form, the entry named "default", or chat_template.jinja.</summary>
    public string? ChatTemplate { get; init; }
    /// <summary>File the default template came from (tokenizer_config.json or chat_template.jinja); null without one.</summary>
    public string? ChatTemplateFile { get; init; }
    /// <summary>All templates of the list form, by name (e.g. "default", "tool_use", "rag").</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    public string? UnkToken { get; init; }
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    /// <summary>model_max_length; the "no limit" sentinel (about 1e30) becomes long.MaxValue.</summary>
    public long? ModelMaxLength { get; init; }

    /// <exception cref="ModelFormatException">Missing file, invalid JSON, or a field of the wrong shape.</exception>
    public static TokenizerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "file not found (a tokenizer folder needs tokenizer_config.json)");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ModelFormatException(path, $"not valid JSON: {e.Message}", e); }
        if (node is not JsonObject obj) throw new ModelFormatException(path, "must be a JSON object");

        var config = Parse(obj, path);
        string sidecar = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, "chat_template.jinja");
        if (File.Exists(sidecar)) config = config with { ChatTemplate = File.ReadAllText(sidecar), ChatTemplateFile = sidecar };
        return config;
    }

    public static TokenizerConfig Parse(JsonObject o, string source)
    {
        var (template, named) = ReadChatTemplate(o, source);
        return new TokenizerConfig
        {
            Path = source,
            ChatTemplate = template,
            ChatTemplateFile = template is null ? null : source,
            NamedChatTemplates = named,
            BosToken = ReadToken(o, "bos_token", source),
            EosToken = ReadToken(o, "eos_token", source),
            PadToken = ReadToken(o, "pad_token", source),
            UnkToken = ReadToken(o, "unk_token", source),
            AdditionalSpecialTokens = ReadTokenList(o, "additional_special_tokens", source),
            AddBosToken = ReadBool(o, "add_bos_token", source),
            AddEosToken = ReadBool(o, "add_eos_token", source),
            ModelMaxLength = ReadLength(o, "model_max_length", source),
        };
    }

    static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    static (string? Default, Dictionary<string, string> Named) ReadChatTemplate(JsonObject o, string source)
    {
        var named = new Dictionary<string, string>();
        var node = o["chat_template"];
        switch (node?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                return (null, named);
            case JsonValueKind.String:
                return (node.GetValue<string>(), named);
            case JsonValueKind.Array:
                foreach (var entry in node.AsArray())
                {
                    if (entry is not JsonObject e
                        || e["name"]?.GetValueKind() != JsonValueKind.String || e["template"]?.GetValueKind() != JsonValueKind.String)
                        throw new ModelFormatException(source, $"chat_template list entries must be objects {{\"name\": string, \"template\": string}}, got {Kind(entry)}");
                    named[e["name"]!.GetValue<string>()] = e["template"]!.GetValue<string>();
                }
                return (named.GetValueOrDefault("default"), named);
            default:
                throw new ModelFormatException(source, $"chat_template must be a string or a list of {{name, template}} objects, got {Kind(node)}");
        }
    }

    /// <summary>A special token is written either as a string or as an AddedToken object {"content": ...}.</summary>
    static string? ReadToken(JsonObject o, string field, string source) => TokenValue(o[field], field, source);

    static string? TokenValue(JsonNode? node, string field, string source)
    {
        switch (node?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return node.GetValue<string>();
            case JsonValueKind.Object when node["content"]?.GetValueKind() == JsonValueKind.String:
                return node["content"]!.GetValue<string>();
            default:
                throw new ModelFormatException(source, $"{field} must be a string or an object with a string \"content\", got {Kind(node)}");
        }
    }

    static IReadOnlyList<string> ReadTokenList(JsonObject o, string field, string source)
    {
        var node = o[field];
        if (node is null || node.GetValueKind() == JsonValueKind.Null) return [];
        if (node is not JsonArray array) throw new ModelFormatException(source, $"{field} must be a list of tokens, got {Kind(node)}");
        return array.Select(item => TokenValue(item, field, source)
            ?? throw new ModelFormatException(source, $"{field} must not contain null")).ToList();
    }

    static bool? ReadBool(JsonObject o, string field, string source)
    {
        var node = o[field];
        return node?.GetValueKind() switch
        {
            null or JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException(source, $"{field} must be true or false, got {Kind(node)}"),
        };
    }

    static long? ReadLength(JsonObject o, string field, string source)
    {
        var node = o[field];
        if (node is null || node.GetValueKind() == JsonValueKind.Null) return null;
        if (node.GetValueKind() != JsonValueKind.Number) throw new ModelFormatException(source, $"{field} must be a number, got {Kind(node)}");
        double value = double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (value <= 0) throw new ModelFormatException(source, $"{field} must be positive, got {node.ToJsonString()}");
        return value >= long.MaxValue ? long.MaxValue : (long)value;
    }
}

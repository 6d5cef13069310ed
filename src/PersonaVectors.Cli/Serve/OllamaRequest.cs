using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// An Ollama /api/chat or /api/generate request, read into the same <see cref="ChatRequest"/> the OpenAI endpoint
/// makes, so both share one worker, one set of limits and one persona extension ("steering", "persona"). Sampling
/// follows Ollama: "options" carries temperature, top_p, top_k, seed, num_predict and stop, with Ollama's defaults
/// (0.8, 0.9, 40); streaming is on unless "stream" is false. What these text models cannot do (images, tools, a
/// forced output format, raw prompts) is refused by name rather than ignored.
/// </summary>
public static class OllamaRequest
{
    public const double DefaultTemperature = 0.8, DefaultTopP = 0.9;
    public const int DefaultTopK = 40;

    public static ChatRequest ParseChat(JsonElement root, ServeLimits limits)
    {
        RequireObject(root);
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw Bad("\"messages\" must be a non-empty list of {\"role\", \"content\"}");
        int i = 0;
        foreach (var m in list.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array && images.GetArrayLength() > 0)
                throw Bad($"messages[{i}].images: this model reads text only");
            i++;
        }
        var messages = ChatMessagesJson.TryParse(list, out string? problem) ?? throw Bad($"messages: {problem}");
        return Common(root, messages, limits);
    }

    public static ChatRequest ParseGenerate(JsonElement root, ServeLimits limits)
    {
        RequireObject(root);
        string prompt = root.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw Bad("\"prompt\" must be a string");
        if (prompt.Length == 0) throw Bad("\"prompt\" is empty");
        if (RequestFields.Bool(root, "raw") == true) throw Bad("\"raw\": true is not supported; prompts are rendered with the model's chat template");
        foreach (var unsupported in new[] { "images", "suffix", "template", "context" })
            if (root.TryGetProperty(unsupported, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                && !(v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0) && !(v.ValueKind == JsonValueKind.String && v.GetString() == ""))
                throw Bad($"\"{unsupported}\" is not supported");
        var messages = new List<ChatMessage>();
        if (root.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } system)
            messages.Add(new ChatMessage("system", system));
        messages.Add(new ChatMessage("user", prompt));
        return Common(root, messages, limits);
    }

    static ChatRequest Common(JsonElement root, List<ChatMessage> messages, ServeLimits limits)
    {
        RequestFields.CheckLengths(messages, limits);
        if (root.TryGetProperty("format", out var f) && f.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) && !(f.ValueKind == JsonValueKind.String && f.GetString() == ""))
            throw Bad("\"format\" (constrained JSON output) is not supported");
        if (root.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0)
            throw Bad("\"tools\" are not supported");
        var options = root.TryGetProperty("options", out var o) && o.ValueKind != JsonValueKind.Null ? o : default;
        if (options.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object)) throw Bad("\"options\" must be an object");
        bool has = options.ValueKind == JsonValueKind.Object;

        int maxTokens = Math.Min(256, limits.MaxTokens);
        if (has && RequestFields.Int(options, "num_predict") is { } n)
            // Ollama's -1 (until done) and -2 (fill the context) become the server's limit.
            maxTokens = n is -1 or -2 ? limits.MaxTokens
                : n >= 1 && n <= limits.MaxTokens ? n
                : throw Bad($"options.num_predict must be between 1 and {limits.MaxTokens} (or -1), got {n}");
        int topK = has ? RequestFields.Int(options, "top_k") ?? DefaultTopK : DefaultTopK;
        if (topK < 0) throw Bad($"options.top_k must be 0 (off) or more, got {topK}");
        return new ChatRequest(
            messages, maxTokens,
            Temperature: has ? RequestFields.Temperature(options, DefaultTemperature) : DefaultTemperature,
            TopP: has ? RequestFields.TopP(options, DefaultTopP) : DefaultTopP,
            Seed: has ? RequestFields.Seed(options) : null,
            Stop: has ? RequestFields.Stops(options) : [],
            LogProbs: false, TopLogProbs: 0,
            Stream: RequestFields.Bool(root, "stream") ?? true,
            Steering: RequestFields.Steering(root, limits),
            User: null, N: 1, PerToken: RequestFields.PerToken(root), TopK: topK);
    }

    static void RequireObject(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the body must be a JSON object");
    }

    static BadRequestException Bad(string message) => new(message);
}

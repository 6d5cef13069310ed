using PersonaVectors.Method.Steering;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// A /v1/chat/completions request, validated: every problem is a 400 with the field named. Fields the server does
/// not know are ignored, as OpenAI's API does; "steering" is this server's extension (α·v of a loaded vector).
/// </summary>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, int MaxTokens, double Temperature, double TopP, long? Seed,
    IReadOnlyList<string> Stop, bool LogProbs, int TopLogProbs, bool Stream, IReadOnlyList<SteeringTerm> Steering, string? User, int N = 1, bool PerToken = false,
    int TopK = 0)
{
    public static ChatRequest Parse(JsonElement root, ServeLimits limits)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the body must be a JSON object");
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw Bad("\"messages\" must be a non-empty list of {\"role\", \"content\"}");
        var messages = ChatMessagesJson.TryParse(list, out string? problem) ?? throw Bad($"messages: {problem}");
        RequestFields.CheckLengths(messages, limits);
        int maxTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens") ?? Math.Min(256, limits.MaxTokens);
        if (maxTokens < 1 || maxTokens > limits.MaxTokens) throw Bad($"max_tokens must be between 1 and {limits.MaxTokens}, got {maxTokens}");
        double temperature = RequestFields.Temperature(root, 1.0);
        double topP = RequestFields.TopP(root, 1.0);
        long? seed = RequestFields.Seed(root);
        var stop = RequestFields.Stops(root);
        bool logprobs = Bool(root, "logprobs") ?? false;
        int top = Int(root, "top_logprobs") ?? 0;
        if (top is < 0 or > 20) throw Bad($"top_logprobs must be between 0 and 20, got {top}");
        if (top > 0 && !logprobs) throw Bad("top_logprobs needs \"logprobs\": true");
        int n = Int(root, "n") ?? 1;
        if (n < 1 || n > limits.MaxBatch) throw Bad($"n must be between 1 and {limits.MaxBatch} (the server's --max-batch), got {n}");
        string? user = root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        return new ChatRequest(messages, maxTokens, temperature, topP, seed, stop, logprobs, top, Bool(root, "stream") ?? false, RequestFields.Steering(root, limits), user, n, RequestFields.PerToken(root));
    }

    static BadRequestException Bad(string message) => new(message);
    static int? Int(JsonElement o, string name) => RequestFields.Int(o, name);
    static bool? Bool(JsonElement o, string name) => RequestFields.Bool(o, name);
}

/// <summary>A request the server refuses with this message and status (400 unless said otherwise).</summary>
public sealed class BadRequestException(string message, int status = 400) : Exception(message)
{
    public int Status { get; } = status;
}

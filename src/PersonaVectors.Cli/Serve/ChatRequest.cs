using PersonaVectors.Method.Steering;
using System.Globalization;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// A /v1/chat/completions request, validated: every problem is a 400 with the field named. Fields the server does
/// not know are ignored, as OpenAI's API does; "steering" is this server's extension (α·v of a loaded vector).
/// </summary>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, int MaxTokens, double Temperature, double TopP, long? Seed,
    IReadOnlyList<string> Stop, bool LogProbs, int TopLogProbs, bool Stream, IReadOnlyList<SteeringTerm> Steering, string? User, int N = 1, bool PerToken = false)
{
    public static ChatRequest Parse(JsonElement root, ServeLimits limits)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the body must be a JSON object");
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw Bad("\"messages\" must be a non-empty list of {\"role\", \"content\"}");
        var messages = ChatMessagesJson.TryParse(list, out string? problem) ?? throw Bad($"messages: {problem}");
        for (int i = 0; i < messages.Count; i++)
            if (messages[i].Content.Length > limits.MaxMessageChars)
                throw Bad($"messages[{i}].content has {messages[i].Content.Length} characters; the limit is {limits.MaxMessageChars}");
        int maxTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens") ?? Math.Min(256, limits.MaxTokens);
        if (maxTokens < 1 || maxTokens > limits.MaxTokens) throw Bad($"max_tokens must be between 1 and {limits.MaxTokens}, got {maxTokens}");
        double temperature = Number(root, "temperature") ?? 1.0;
        if (temperature is < 0 or > 2) throw Bad($"temperature must be between 0 and 2, got {temperature}");
        double topP = Number(root, "top_p") ?? 1.0;
        if (topP is <= 0 or > 1) throw Bad($"top_p must be in (0, 1], got {topP}");
        long? seed = root.TryGetProperty("seed", out var s) && s.ValueKind != JsonValueKind.Null
            ? (s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long sv) ? sv : throw Bad("seed must be an integer")) : null;
        var stop = new List<string>();
        if (root.TryGetProperty("stop", out var st) && st.ValueKind != JsonValueKind.Null)
        {
            if (st.ValueKind == JsonValueKind.String) stop.Add(st.GetString()!);
            else if (st.ValueKind == JsonValueKind.Array && st.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)) stop.AddRange(st.EnumerateArray().Select(x => x.GetString()!));
            else throw Bad("stop must be a string or a list of strings");
            if (stop.Count > 4 || stop.Any(x => x.Length == 0)) throw Bad("stop takes at most 4 non-empty strings");
        }
        bool logprobs = Bool(root, "logprobs") ?? false;
        int top = Int(root, "top_logprobs") ?? 0;
        if (top is < 0 or > 20) throw Bad($"top_logprobs must be between 0 and 20, got {top}");
        if (top > 0 && !logprobs) throw Bad("top_logprobs needs \"logprobs\": true");
        int n = Int(root, "n") ?? 1;
        if (n < 1 || n > limits.MaxBatch) throw Bad($"n must be between 1 and {limits.MaxBatch} (the server's --max-batch), got {n}");
        var steering = new List<SteeringTerm>();
        if (root.TryGetProperty("steering", out var sl) && sl.ValueKind != JsonValueKind.Null)
        {
            if (sl.ValueKind != JsonValueKind.Array) throw Bad("steering must be a list of {\"vector\", \"layer\", \"alpha\", \"when\"}");
            int k = 0;
            foreach (var x in sl.EnumerateArray())
            {
                string? vector = x.ValueKind == JsonValueKind.Object && x.TryGetProperty("vector", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                int? layer = x.ValueKind == JsonValueKind.Object ? Int(x, "layer") : null;
                double? alpha = x.ValueKind == JsonValueKind.Object ? Number(x, "alpha") : null;
                if (vector is null || alpha is null) throw Bad($"steering[{k}] needs \"vector\" (a loaded vector's name) and \"alpha\" (a number)");
                if (Math.Abs(alpha.Value) > limits.MaxAlpha) throw Bad($"steering[{k}].alpha must be within ±{limits.MaxAlpha.ToString(CultureInfo.InvariantCulture)}, got {alpha.Value.ToString(CultureInfo.InvariantCulture)}");
                var when = SteeringGate.Always;
                if (x.TryGetProperty("when", out var w) && w.ValueKind != JsonValueKind.Null)
                    when = (w.ValueKind == JsonValueKind.String ? SteeringGates.TryParse(w.GetString()) : null)
                        ?? throw Bad($"steering[{k}].when must be one of {SteeringGates.Names}");
                steering.Add(new SteeringTerm(vector, alpha.Value, layer, when));
                k++;
            }
        }
        string? user = root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        bool perToken = false;
        if (root.TryGetProperty("persona", out var pe) && pe.ValueKind != JsonValueKind.Null)
        {
            if (pe.ValueKind != JsonValueKind.Object) throw Bad("persona must be an object, e.g. {\"per_token\": true}");
            perToken = Bool(pe, "per_token") ?? false;
        }
        return new ChatRequest(messages, maxTokens, temperature, topP, seed, stop, logprobs, top, Bool(root, "stream") ?? false, steering, user, n, perToken);
    }

    static BadRequestException Bad(string message) => new(message);

    static int? Int(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad($"{name} must be an integer")) : null;

    static double? Number(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad($"{name} must be a number")) : null;

    static bool? Bool(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad($"{name} must be true or false")) : null;
}

/// <summary>A request the server refuses with this message and status (400 unless said otherwise).</summary>
public sealed class BadRequestException(string message, int status = 400) : Exception(message)
{
    public int Status { get; } = status;
}

using System.Globalization;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// Reading and checking the request fields the OpenAI and the Ollama endpoints share (sampling, stop strings, the
/// persona extension), so both refuse the same bad values with the same 400 and message.
/// </summary>
internal static class RequestFields
{
    internal static void CheckLengths(IReadOnlyList<ChatMessage> messages, ServeLimits limits)
    {
        for (int i = 0; i < messages.Count; i++)
            if (messages[i].Content.Length > limits.MaxMessageChars)
                throw Bad($"messages[{i}].content has {messages[i].Content.Length} characters; the limit is {limits.MaxMessageChars}");
    }

    internal static double Temperature(JsonElement o, double fallback)
    {
        double temperature = Number(o, "temperature") ?? fallback;
        if (temperature is < 0 or > 2) throw Bad($"temperature must be between 0 and 2, got {temperature}");
        return temperature;
    }

    internal static double TopP(JsonElement o, double fallback)
    {
        double topP = Number(o, "top_p") ?? fallback;
        if (topP is <= 0 or > 1) throw Bad($"top_p must be in (0, 1], got {topP}");
        return topP;
    }

    internal static long? Seed(JsonElement o) => o.TryGetProperty("seed", out var s) && s.ValueKind != JsonValueKind.Null
        ? (s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long sv) ? sv : throw Bad("seed must be an integer")) : null;

    internal static List<string> Stops(JsonElement o)
    {
        var stop = new List<string>();
        if (o.TryGetProperty("stop", out var st) && st.ValueKind != JsonValueKind.Null)
        {
            if (st.ValueKind == JsonValueKind.String) stop.Add(st.GetString()!);
            else if (st.ValueKind == JsonValueKind.Array && st.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)) stop.AddRange(st.EnumerateArray().Select(x => x.GetString()!));
            else throw Bad("stop must be a string or a list of strings");
            if (stop.Count > 4 || stop.Any(x => x.Length == 0)) throw Bad("stop takes at most 4 non-empty strings");
        }
        return stop;
    }

    /// <summary>The persona extension's "steering" list, shared by the OpenAI and Ollama endpoints.</summary>
    internal static List<SteeringTerm> Steering(JsonElement root, ServeLimits limits)
    {
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
        return steering;
    }

    /// <summary>The persona extension's request options: {"per_token": true} asks for one reading per answer token.</summary>
    internal static bool PerToken(JsonElement root)
    {
        if (!root.TryGetProperty("persona", out var pe) || pe.ValueKind == JsonValueKind.Null) return false;
        if (pe.ValueKind != JsonValueKind.Object) throw Bad("persona must be an object, e.g. {\"per_token\": true}");
        return Bool(pe, "per_token") ?? false;
    }

    internal static BadRequestException Bad(string message) => new(message);

    internal static int? Int(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad($"{name} must be an integer")) : null;

    internal static double? Number(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d) ? d : throw Bad($"{name} must be a (finite) number")) : null;

    internal static bool? Bool(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad($"{name} must be true or false")) : null;
}

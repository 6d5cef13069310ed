using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Converts .NET values handed to a template into the Python-like values the interpreter works on.</summary>
internal static class ClrValues
{
    public static object? From(object? value) => value switch
    {
        null => null,
        string or bool or long or double => value,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value),
        ulong u => u <= long.MaxValue ? (long)u : throw Unsupported(value, "it does not fit in 64-bit signed integers"),
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        PyList or PyDict or Markup or Undefined or JinjaNamespace => value,
        ChatMessage message => Message(message),
        JsonElement element => FromJson(element),
        JsonNode node => FromJson(JsonSerializer.SerializeToElement(node)),
        IReadOnlyDictionary<string, object?> map => Dict(map.Select(kv => ((object?)kv.Key, kv.Value))),
        IDictionary map => Dict(Entries(map)),
        IEnumerable items => new PyList(items.Cast<object?>().Select(From).ToArray()),
        _ => throw Unsupported(value, "only strings, numbers, booleans, null, lists, dictionaries, ChatMessage and JSON values are"),
    };

    static ChatTemplateException Unsupported(object value, string why) =>
        new($"a value of type {value.GetType().Name} cannot be passed to a template: {why}");

    static PyDict Message(ChatMessage message)
    {
        var dict = new PyDict();
        dict.Set("role", message.Role);
        dict.Set("content", message.Content);
        return dict;
    }

    static IEnumerable<(object? Key, object? Value)> Entries(IDictionary map)
    {
        // Enumerating a generic dictionary as IEnumerable yields KeyValuePairs; only its IDictionaryEnumerator is uniform.
        var e = map.GetEnumerator();
        while (e.MoveNext()) yield return (e.Key, e.Value);
    }

    static PyDict Dict(IEnumerable<(object? Key, object? Value)> entries)
    {
        var dict = new PyDict();
        foreach (var (k, v) in entries)
        {
            var key = From(k);
            PyOps.Hash(key);
            dict.Set(key, From(v));
        }
        return dict;
    }

    /// <summary>JSON as Python's json.loads reads it: integers stay ints, numbers with a fraction or exponent are floats.</summary>
    static object? FromJson(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new PyDict();
                foreach (var property in e.EnumerateObject()) dict.Set(property.Name, FromJson(property.Value));
                return dict;
            case JsonValueKind.Array:
                return new PyList(e.EnumerateArray().Select(FromJson).ToArray());
            case JsonValueKind.String:
                return e.GetString();
            case JsonValueKind.Number:
                string raw = e.GetRawText();
                if (raw.IndexOfAny(['.', 'e', 'E']) >= 0) return e.GetDouble();
                return e.TryGetInt64(out long l) ? l : throw new ChatTemplateException($"JSON integer {raw} does not fit in 64 bits");
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Null:
                return null;
            default:
                throw new ChatTemplateException($"unexpected JSON value kind {e.ValueKind}");
        }
    }
}

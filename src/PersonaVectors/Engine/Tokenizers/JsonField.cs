using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// A JSON value together with where it sits in the document, so every reading error can name the file and
/// the exact field path instead of surfacing a bare <see cref="InvalidOperationException"/> from System.Text.Json.
/// </summary>
internal readonly struct JsonField
{
    public JsonField(JsonElement element, string path, string source)
    {
        Element = element;
        Path = path;
        Source = source;
    }

    public JsonElement Element { get; }
    public string Path { get; }
    public string Source { get; }

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public TokenizerFormatException Error(string message) => new(Source, Path, message);

    string Child(string name) => Path.Length == 0 ? name : Path + "." + name;

    /// <summary>A property that must be present and not null.</summary>
    public JsonField Required(string name)
    {
        var f = Optional(name) ?? throw new TokenizerFormatException(Source, Child(name), "required field is missing or null");
        return f;
    }

    /// <summary>A property that may be absent or null.</summary>
    public JsonField? Optional(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"expected a JSON object, found {Element.ValueKind}");
        if (!Element.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return new JsonField(v, Child(name), Source);
    }

    public bool Has(string name) => Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out _);

    public string GetString()
    {
        if (Element.ValueKind != JsonValueKind.String)
            throw Error($"expected a string, found {Element.ValueKind}");
        return Element.GetString()!;
    }

    public bool GetBool()
    {
        return Element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"expected true or false, found {Element.ValueKind}"),
        };
    }

    public int GetInt()
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt32(out int v))
            throw Error($"expected an integer, found {Element.ValueKind} {Element.GetRawText()}");
        return v;
    }

    public double GetDouble()
    {
        if (Element.ValueKind != JsonValueKind.Number)
            throw Error($"expected a number, found {Element.ValueKind}");
        return Element.GetDouble();
    }

    public string RequiredString(string name) => Required(name).GetString();
    public string? OptionalString(string name) => Optional(name)?.GetString();
    public bool OptionalBool(string name, bool fallback) => Optional(name)?.GetBool() ?? fallback;
    public int OptionalInt(string name, int fallback) => Optional(name)?.GetInt() ?? fallback;

    /// <summary>The <c>type</c> tag of a component object.</summary>
    public string TypeTag()
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"expected a component object with a \"type\" field, found {Element.ValueKind}");
        return RequiredString("type");
    }

    public IEnumerable<JsonField> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
            throw Error($"expected a JSON array, found {Element.ValueKind}");
        int i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            yield return new JsonField(item, $"{Path}[{i}]", Source);
            i++;
        }
    }

    public int ArrayLength()
    {
        if (Element.ValueKind != JsonValueKind.Array)
            throw Error($"expected a JSON array, found {Element.ValueKind}");
        return Element.GetArrayLength();
    }

    public IEnumerable<(string Name, JsonField Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"expected a JSON object, found {Element.ValueKind}");
        foreach (var p in Element.EnumerateObject())
            yield return (p.Name, new JsonField(p.Value, Child(p.Name), Source));
    }

    /// <summary>
    /// Reads HF's <c>{"String": "..."}</c> / <c>{"Regex": "..."}</c> pattern object used by Split and Replace.
    /// </summary>
    public (bool IsRegex, string Text) GetPattern()
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error("expected a pattern object {\"String\": ...} or {\"Regex\": ...}");
        if (Optional("String") is { } s) return (false, s.GetString());
        if (Optional("Regex") is { } r) return (true, r.GetString());
        throw Error("expected a pattern object {\"String\": ...} or {\"Regex\": ...}");
    }
}

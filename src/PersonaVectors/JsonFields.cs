using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors;

/// <summary>
/// Typed reads of one JSON object's fields that fail with the file, the field's path and what was expected,
/// so a hand-edited or truncated summary.json says exactly what is wrong with it.
/// </summary>
public sealed class JsonFields
{
    readonly JsonObject _obj;
    readonly string _file, _path;

    JsonFields(JsonObject obj, string file, string path) => (_obj, _file, _path) = (obj, file, path);

    /// <summary>Reads a file that must hold one JSON object; <paramref name="what"/> names the file's kind for the error.</summary>
    public static JsonFields Read(string file, string what)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new PersonaVectorsException($"{file}: not valid JSON ({e.Message}); expected {what}"); }
        return root is JsonObject o ? new JsonFields(o, file, "")
            : throw new PersonaVectorsException($"{file}: expected a JSON object ({what}), found {Kind(root)}");
    }

    public JsonFields Object(string name) =>
        Get(name) is JsonObject o ? new JsonFields(o, _file, Name(name) + ".") : throw Expected(name, "an object");

    public IReadOnlyList<JsonFields> Objects(string name)
    {
        if (Get(name) is not JsonArray a) throw Expected(name, "an array of objects");
        return [.. a.Select((n, i) => n is JsonObject o ? new JsonFields(o, _file, $"{Name(name)}[{i}].")
            : throw new PersonaVectorsException($"{_file}: \"{Name(name)}[{i}]\" is {Kind(n)}; expected an object"))];
    }

    public IReadOnlyList<double> Numbers(string name)
    {
        if (Get(name) is not JsonArray a) throw Expected(name, "an array of numbers");
        return [.. a.Select((n, i) => AsNumber(n) ?? throw new PersonaVectorsException($"{_file}: \"{Name(name)}[{i}]\" is {Kind(n)}; expected a number"))];
    }

    public double Number(string name) => AsNumber(Get(name)) ?? throw Expected(name, "a number");

    /// <summary>A number that may be null, as a correlation over points with no spread is.</summary>
    public double? NumberOrNull(string name) => Get(name) is null ? null : Number(name);

    /// <summary>An object whose every field is a number, by field name (a figure per trait, say).</summary>
    public Dictionary<string, double> NumberMap(string name)
    {
        var o = Object(name);
        return o.Names.ToDictionary(n => n, o.Number);
    }

    /// <summary>An object whose every field is a number or null, by field name.</summary>
    public Dictionary<string, double?> NumberOrNullMap(string name)
    {
        var o = Object(name);
        return o.Names.ToDictionary(n => n, o.NumberOrNull);
    }

    public int Integer(string name)
    {
        double x = Number(name);
        return x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue ? (int)x : throw Expected(name, "a whole number");
    }

    /// <summary>A string that may be missing or null (a field that older files lack).</summary>
    public string? TextOrNull(string name) => Get(name) is null ? null : Text(name);

    /// <summary>The names of an object's fields, in file order.</summary>
    public IEnumerable<string> Names => _obj.Select(kv => kv.Key);

    /// <summary>True when the field is missing or null.</summary>
    public bool IsNull(string name) => Get(name) is null;

    public string Text(string name) =>
        Get(name) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Expected(name, "a string");

    JsonNode? Get(string name) => _obj.TryGetPropertyValue(name, out var n) ? n : null;

    string Name(string name) => _path + name;

    PersonaVectorsException Expected(string name, string what) =>
        new($"{_file}: \"{Name(name)}\" is {(_obj.ContainsKey(name) ? Kind(Get(name)) : "missing")}; expected {what}");

    static double? AsNumber(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    /// <summary>How a message names a JSON value of the wrong kind: its kind, with the value itself for strings, numbers and literals.</summary>
    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        _ => e.GetRawText(),
    };

    // One wording for both JSON APIs: a node is described as the element it serialises to (on error paths only).
    static string Kind(JsonNode? n) => n is null ? "null" : Describe(JsonSerializer.SerializeToElement(n));
}

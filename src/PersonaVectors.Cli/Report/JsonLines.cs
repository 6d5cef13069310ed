using System.Text.Json;

namespace PersonaVectors.Cli.Report;

/// <summary>
/// Reads a run's JSONL file without touching it. RunFile, which the writing stages use, truncates a torn last
/// line to resume; a report must neither change a run nor skip lines quietly, so a bad line is an error.
/// </summary>
public static class JsonLines
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static IReadOnlyList<T> Read<T>(string file)
    {
        var records = new List<T>();
        int number = 0;
        foreach (string line in File.ReadLines(file))
        {
            number++;
            if (line.Length == 0) continue;
            try { records.Add(JsonSerializer.Deserialize<T>(line, Options) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new PersonaVectorsException($"{file}: line {number} is not a {typeof(T).Name} ({e.Message})"); }
        }
        return records;
    }
}

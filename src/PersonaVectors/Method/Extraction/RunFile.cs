using System.Text;
using System.Text.Json;

namespace PersonaVectors.Method.Extraction;

/// <summary>
/// An append-only JSONL file of one stage's results, keyed by a "key" field. On open, a line cut short by a
/// crash (no newline, or not valid JSON with no valid line after it) is dropped and the file truncated to its last
/// complete line, so a resumed run continues from exactly what was finished; a bad line with valid ones after it is
/// an error naming the line, since truncating there would lose the good lines.
/// </summary>
public sealed class RunFile<T> where T : class
{
    static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    readonly object _gate = new();
    readonly Dictionary<string, T> _records = new();
    readonly Func<T, string> _key;

    public string Path { get; }

    public RunFile(string path, Func<T, string> key)
    {
        Path = path;
        _key = key;
        if (!File.Exists(path)) return;
        byte[] bytes = File.ReadAllBytes(path);
        var lines = new List<(int Start, int End)>();
        for (int i = 0, start = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') { lines.Add((start, i)); start = i + 1; }
        long valid = 0;
        for (int n = 0; n < lines.Count; n++)
        {
            if (Parse(bytes, lines[n]) is not { } record)
            {
                // A crash cuts only the end of the file; a bad line with a good one after it was changed by other means,
                // and dropping it would drop every good line after it too.
                for (int later = n + 1; later < lines.Count; later++)
                    if (Parse(bytes, lines[later]) is not null)
                        throw new ModelFormatException(path, $"line {n + 1} is not a record of this run, and line {later + 1} after it is: " +
                            "a crash only cuts a run file at its end, so fix or delete that line and run again");
                break;
            }
            _records[_key(record)] = record;
            valid = lines[n].End + 1;
        }
        if (valid < bytes.Length)
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write)) fs.SetLength(valid);
    }

    static T? Parse(byte[] bytes, (int Start, int End) line)
    {
        try { return JsonSerializer.Deserialize<T>(Encoding.UTF8.GetString(bytes, line.Start, line.End - line.Start), Options); }
        catch (JsonException) { return null; }
    }

    public IReadOnlyDictionary<string, T> Records => _records;
    public bool Contains(string key) { lock (_gate) return _records.ContainsKey(key); }

    public bool TryGet(string key, out T? record) { lock (_gate) return _records.TryGetValue(key, out record); }

    /// <summary>Appends records in one write and flushes, so they land whole or (after a crash) get dropped whole.</summary>
    public void Append(IReadOnlyList<T> records)
    {
        if (records.Count == 0) return;
        lock (_gate)
        {
            AppendTo(Path, records);
            foreach (var r in records) _records[_key(r)] = r;
        }
    }

    /// <summary>
    /// Appends to a run file without holding its records in memory (for outputs too large to keep, read back
    /// through a <see cref="RunFile{T}"/> of a smaller type, e.g. keys only).
    /// </summary>
    public static void AppendTo(string path, IReadOnlyList<T> records)
    {
        if (records.Count == 0) return;
        var sb = new StringBuilder();
        foreach (var r in records) sb.Append(JsonSerializer.Serialize(r, Options)).Append('\n');
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write);
        fs.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        fs.Flush(flushToDisk: true);
    }
}

using System.Text;
using System.Text.Json;

namespace PersonaVectors.Method.Extraction;

/// <summary>
/// An append-only JSONL file of one stage's results, keyed by a "key" field. On open, a line cut short by a
/// crash (no newline, or not valid JSON) is dropped and the file truncated to its last complete line, so a
/// resumed run continues from exactly what was finished.
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
        long valid = 0;
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            string line = Encoding.UTF8.GetString(bytes, start, i - start);
            T? record;
            try { record = JsonSerializer.Deserialize<T>(line, Options); }
            catch (JsonException) { break; }
            if (record is null) break;
            _records[_key(record)] = record;
            start = i + 1;
            valid = start;
        }
        if (valid < bytes.Length)
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write)) fs.SetLength(valid);
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

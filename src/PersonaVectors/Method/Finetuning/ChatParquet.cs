using System.Collections;
using Parquet;
using Parquet.Serialization;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Method.Finetuning;

/// <summary>
/// Which columns of a Parquet dataset hold the conversation: one column of {role, content} lists (LMSYS-Chat-1M and
/// WildChat call it "conversation", UltraChat and TRL datasets "messages"), or a prompt and a response column.
/// </summary>
public sealed record ChatColumns(string? Messages = null, string? Prompt = null, string? Response = null)
{
    public static readonly string[] DefaultMessageColumns = ["messages", "conversation", "conversations"];

    public bool PromptResponse => Prompt is not null || Response is not null;
}

/// <summary>
/// Streams conversations out of Parquet files (one file, or every *.parquet under a folder in name order) one row group
/// at a time through Parquet.Net, so memory stays flat in the number of rows. Rows are numbered from 1 across the
/// files, and that number plays the role of a JSONL line. A row with a missing column, a value of the wrong type or
/// an empty conversation stops the read, or is skipped and reported, with the file and the row named.
/// </summary>
public static class ChatParquet
{
    public static bool IsParquet(string path) =>
        Directory.Exists(path) || path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    public static IEnumerable<ChatRecord> Read(string path, ChatColumns columns, BadLinePolicy policy = BadLinePolicy.Stop, Action<int, string>? skipped = null)
    {
        string[] files = Directory.Exists(path)
            ? [.. Directory.GetFiles(path, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : File.Exists(path) ? [path] : throw new PersonaVectorsException($"{path}: file not found");
        if (files.Length == 0) throw new PersonaVectorsException($"{path}: the folder holds no .parquet files");
        if (columns.PromptResponse && (columns.Prompt is null || columns.Response is null))
            throw new PersonaVectorsException("--prompt-column and --response-column go together");
        int row = 0;
        foreach (string file in files)
        {
            using var stream = File.OpenRead(file);
            int groups;
            string[] present;
            try { (groups, present) = Inspect(stream).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is IOException or InvalidDataException or ParquetException)
            {
                throw new PersonaVectorsException($"{file}: not a readable Parquet file ({e.Message})");
            }
            string[] needed = columns.PromptResponse ? [columns.Prompt!, columns.Response!]
                : [columns.Messages ?? ChatColumns.DefaultMessageColumns.FirstOrDefault(present.Contains)
                    ?? throw new PersonaVectorsException($"{file}: no column {string.Join(", ", ChatColumns.DefaultMessageColumns.Select(c => $"'{c}'"))} (columns: {string.Join(", ", present)}); name one with --messages-column, or give --prompt-column and --response-column")];
            foreach (var c in needed)
                if (!present.Contains(c)) throw new PersonaVectorsException($"{file}: no column '{c}' (columns: {string.Join(", ", present)})");

            for (int g = 0; g < groups; g++)
            {
                stream.Position = 0;
                IList<Dictionary<string, object>> rows;
                try { rows = ParquetSerializer.DeserializeUntypedAsync(stream, null, g).GetAwaiter().GetResult().Data; }
                catch (Exception e) when (e is IOException or InvalidDataException or ParquetException or NotSupportedException or InvalidOperationException)
                {
                    throw new PersonaVectorsException($"{file}: row group {g + 1} of {groups} cannot be read ({e.Message})");
                }
                for (int i = 0; i < rows.Count; i++)
                {
                    row++;
                    var (messages, problem) = columns.PromptResponse ? PromptResponse(rows[i], columns.Prompt!, columns.Response!) : Conversation(rows[i], needed[0]);
                    rows[i] = null!; // let the row go as soon as it is read
                    if (problem is null) { yield return new ChatRecord(row, messages!); continue; }
                    string where = $"{file} row {row}{(files.Length > 1 ? $" (row {RowInFile(file, g, i, stream)} of the file)" : "")}";
                    if (policy == BadLinePolicy.Stop)
                        throw new PersonaVectorsException($"{where}: {problem} (pass --skip-bad-lines to skip such rows and count them)");
                    skipped?.Invoke(row, $"{where}: {problem}");
                }
            }
        }
    }

    static async Task<(int Groups, string[] Columns)> Inspect(Stream stream)
    {
        await using var reader = await ParquetReader.CreateAsync(stream);
        return (reader.RowGroupCount, [.. reader.Schema.Fields.Select(f => f.Name)]);
    }

    // Only for messages about bad rows: the row's place within its own file.
    static long RowInFile(string file, int group, int index, Stream stream) => RowsBefore(stream, group).GetAwaiter().GetResult() + index + 1;

    static async Task<long> RowsBefore(Stream stream, int group)
    {
        stream.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(stream);
        long before = 0;
        for (int g = 0; g < group; g++) before += reader.OpenRowGroupReader(g).RowCount;
        return before;
    }

    static (List<ChatMessage>?, string?) Conversation(Dictionary<string, object> row, string column)
    {
        if (!row.TryGetValue(column, out var value) || value is null) return (null, $"column '{column}' is empty (null)");
        if (value is not IList list || value is string) return (null, $"column '{column}' holds {Describe(value)}, expected a list of {{role, content}}");
        if (list.Count == 0) return (null, "the conversation is empty");
        var messages = new List<ChatMessage>(list.Count);
        for (int k = 0; k < list.Count; k++)
        {
            if (list[k] is not IDictionary<string, object> m) return (null, $"column '{column}' message [{k}] holds {Describe(list[k])}, expected {{role, content}}");
            // ShareGPT-style rows say "from" (human, gpt) and "value" instead.
            string? role = Text(m, "role") ?? Text(m, "from") switch { "human" => "user", "gpt" => "assistant", var other => other };
            string? content = Text(m, "content") ?? Text(m, "value");
            if (role is null || !ChatMessagesJson.Roles.Contains(role))
                return (null, $"column '{column}' message [{k}] needs a role of system, user or assistant (got {(role is null ? "none" : $"'{role}'")})");
            if (content is null) return (null, $"column '{column}' message [{k}] has no text content");
            messages.Add(new ChatMessage(role, content));
        }
        if (!messages.Any(m => m.Role == "assistant")) return (null, "the conversation has no assistant message to learn from");
        return (messages, null);
    }

    static (List<ChatMessage>?, string?) PromptResponse(Dictionary<string, object> row, string prompt, string response)
    {
        foreach (var c in new[] { prompt, response })
        {
            if (!row.TryGetValue(c, out var v) || v is null) return (null, $"column '{c}' is empty (null)");
            if (v is not string) return (null, $"column '{c}' holds {Describe(v)}, expected text");
        }
        string p = (string)row[prompt], r = (string)row[response];
        if (p.Length == 0 || r.Length == 0) return (null, "the prompt or the response is empty");
        return ([new ChatMessage("user", p), new ChatMessage("assistant", r)], null);
    }

    static string? Text(IDictionary<string, object> m, string key) =>
        m.TryGetValue(key, out var v) && v is string s ? s
        : m.FirstOrDefault(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Value as string;

    static string Describe(object? v) => v switch
    {
        null => "null",
        string => "text",
        IDictionary => "a struct",
        IList => "a list",
        _ => v.GetType().Name,
    };
}

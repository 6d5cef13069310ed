using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python's <c>json.dumps</c>, which Hugging Face's <c>tojson</c> filter calls with ensure_ascii=False: separators
/// ", " and ": " (or "," and ": " when indenting), floats as repr(), NaN/Infinity allowed, insertion-ordered keys.
/// </summary>
internal static class PyJson
{
    public sealed record Options(bool EnsureAscii, string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys);

    public static string Dumps(object? value, Options options)
    {
        var sb = new StringBuilder();
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    static void Write(StringBuilder sb, object? value, Options o, int level)
    {
        switch (value)
        {
            case null: sb.Append("null"); return;
            case bool b: sb.Append(b ? "true" : "false"); return;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case double d: sb.Append(Float(d)); return;
            case string s: WriteString(sb, s, o.EnsureAscii); return;
            case Markup m: WriteString(sb, m.Value, o.EnsureAscii); return;
            case PyList { Kind: PyListKind.List or PyListKind.Tuple } list:
                WriteContainer(sb, '[', ']', list.Count, o, level, (i, lvl) => Write(sb, list[i], o, lvl));
                return;
            case PyDict dict:
                {
                    var entries = dict.ToList();
                    if (o.SortKeys) entries = PyOps.StableSort(entries, e => e.Key, reverse: false);
                    WriteContainer(sb, '{', '}', entries.Count, o, level, (i, lvl) =>
                    {
                        WriteString(sb, KeyString(entries[i].Key), o.EnsureAscii);
                        sb.Append(o.KeySeparator);
                        Write(sb, entries[i].Value, o, lvl);
                    });
                    return;
                }
            default:
                throw new JinjaError($"Object of type {PyText.TypeName(value)} is not JSON serializable");
        }
    }

    static void WriteContainer(StringBuilder sb, char open, char close, int count, Options o, int level, Action<int, int> item)
    {
        if (count == 0) { sb.Append(open).Append(close); return; }
        sb.Append(open);
        int inner = level + 1;
        string? newline = o.Indent is null ? null : "\n" + Repeat(o.Indent, inner);
        if (newline is not null) sb.Append(newline);
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(o.ItemSeparator).Append(newline);
            item(i, inner);
        }
        if (newline is not null) sb.Append('\n').Append(Repeat(o.Indent!, level));
        sb.Append(close);
    }

    static string Repeat(string s, int times) => string.Concat(Enumerable.Repeat(s, times));

    static string KeyString(object? key) => key switch
    {
        string s => s,
        Markup m => m.Value,
        double d => Float(d),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        null => "null",
        _ => throw new JinjaError($"keys must be str, int, float, bool or None, not {PyText.TypeName(key)}"),
    };

    static string Float(double d) =>
        double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyText.FloatRepr(d);

    static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // UTF-16 units are what Python's \u escapes spell, so a surrogate pair becomes two escapes as in Python.
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Filters that produce text: indent, title, tojson, format.</summary>
internal static partial class JinjaFilters
{
    static object? Indent(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("indent", a, "width", "first", "blank");
        object? width = p[0].Or(4L);
        string indentation = width is string ws ? ws : width is Markup wm ? wm.Value : new string(' ', (int)Math.Max(0, IntArg(width, "indent")));
        bool first = PyOps.Truthy(p[1].Or(false)), blank = PyOps.Truthy(p[2].Or(false));
        // Jinja appends "\n" to the value itself, so anything but a string fails there.
        string s = v switch
        {
            string or Markup => PyText.Str(v),
            Undefined u => throw u.Error(),
            _ => throw new JinjaError($"unsupported operand type(s) for +=: '{PyText.TypeName(v)}' and 'str'"),
        } + "\n";
        var lines = PyString.SplitLines(s, keepEnds: false);
        string result;
        if (blank) result = string.Join("\n" + indentation, lines);
        else
        {
            result = lines[0];
            if (lines.Count > 1) result += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? indentation + l : l));
        }
        if (first) result = indentation + result;
        return v is Markup ? new Markup(result) : result;
    }

    /// <summary>Jinja's title filter: upper-cases the first character after -, whitespace, (, {, [ or &lt;.</summary>
    static string Title(string s)
    {
        var parts = new List<string>();
        int[] cps = PyString.CodePoints(s);
        int i = 0;
        static bool IsBoundary(int cp) => cp is '-' or '(' or '{' or '[' or '<' || PyString.IsSpace(cp);
        while (i < cps.Length)
        {
            int j = i;
            bool boundary = IsBoundary(cps[i]);
            while (j < cps.Length && IsBoundary(cps[j]) == boundary) j++;
            parts.Add(PyString.FromCodePoints(cps[i..j]));
            i = j;
        }
        return string.Concat(parts.Select(item =>
        {
            int[] c = PyString.CodePoints(item);
            return PyString.Upper(PyString.FromCodePoints(c[..1])) + PyString.Lower(PyString.FromCodePoints(c[1..]));
        }));
    }

    static object? ToJson(object? v, CallArgs a)
    {
        // Hugging Face: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> json.dumps(...).
        var p = ArgBinder.Bind("tojson", a, "ensure_ascii", "indent", "separators", "sort_keys");
        object? indentArg = p[1].Or(null);
        string? indent = indentArg switch
        {
            null => null,
            string s => s,
            long or bool => new string(' ', (int)Math.Max(0, IntArg(indentArg, "tojson"))),
            _ => throw new JinjaError($"tojson: indent must be an int or a string, not {PyText.TypeName(indentArg)}"),
        };
        string itemSep = indent is null ? ", " : ",", keySep = ": ";
        if (p[2].Or(null) is { } separators)
        {
            var parts = separators is PyList list && list.Count == 2 ? list : throw new JinjaError("tojson: separators must be a pair of strings");
            itemSep = StrArg(parts[0], "tojson");
            keySep = StrArg(parts[1], "tojson");
        }
        return PyJson.Dumps(v, new PyJson.Options(PyOps.Truthy(p[0].Or(false)), indent, itemSep, keySep, PyOps.Truthy(p[3].Or(false))));
    }

    static PyDict NamedAsDict(CallArgs a)
    {
        var dict = new PyDict();
        foreach (var (k, value) in a.Named) dict.Set(k, value);
        return dict;
    }
}

using System.Globalization;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Jinja2's built-in filters, with Hugging Face's <c>tojson</c> override. Generators stay generators
/// (<c>map</c>, <c>select</c>, <c>reverse</c>, ...): always truthy, consumed once, as in Python.
/// </summary>
internal static partial class JinjaFilters
{
    /// <summary>Jinja filters this engine does not implement; using one is a parse error, not a silent difference.</summary>
    static readonly HashSet<string> Unsupported =
        ["filesizeformat", "groupby", "pprint", "random", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr"];

    static readonly Dictionary<string, Func<object?, CallArgs, object?>> Filters = new()
    {
        ["abs"] = (v, a) => { NoArgs(a, "abs"); return Abs(v); },
        ["attr"] = (v, a) => PyMembers.GetAttrOnly(v, StrArg(ArgBinder.Bind("attr", a, "name")[0].Required("attr", "name"), "attr")),
        ["capitalize"] = (v, a) => { NoArgs(a, "capitalize"); return KeepMarkup(v, PyString.Capitalize(PyText.Str(v))); },
        ["center"] = (v, a) => KeepMarkup(v, PyString.Pad(PyText.Str(v), IntArg(ArgBinder.Bind("center", a, "width")[0].Or(80L), "center"), " ", '^')),
        ["count"] = (v, a) => { NoArgs(a, "count"); return PyOps.Len(v); },
        ["length"] = (v, a) => { NoArgs(a, "length"); return PyOps.Len(v); },
        ["default"] = Default,
        ["d"] = Default,
        ["dictsort"] = DictSort,
        ["escape"] = (v, a) => { NoArgs(a, "escape"); return Markup.From(v); },
        ["e"] = (v, a) => { NoArgs(a, "e"); return Markup.From(v); },
        ["forceescape"] = (v, a) => { NoArgs(a, "forceescape"); return new Markup(Markup.Escape(PyText.Str(v))); },
        ["batch"] = Batch,
        ["slice"] = SliceFilter,
        ["format"] = (v, a) =>
        {
            if (a.Positional.Count > 0 && a.Named.Count > 0)
                throw new JinjaError("can't handle positional and keyword arguments at the same time");
            if (v is Markup) throw new JinjaError("the format filter on a safe (Markup) string is not supported by this chat template engine");
            object? args = a.Named.Count > 0 ? NamedAsDict(a) : new PyList([.. a.Positional], PyListKind.Tuple);
            return PyPrintf.Format(PyText.Str(v), args);
        },
        ["first"] = (v, a) =>
        {
            NoArgs(a, "first");
            foreach (var item in PyOps.Iterate(v)) return item;
            return Undefined.WithHint("No first item, sequence was empty.");
        },
        ["last"] = Last,
        ["float"] = (v, a) =>
        {
            var p = ArgBinder.Bind("float", a, "default");
            return ToFloat(v) ?? p[0].Or(0.0);
        },
        ["int"] = Int,
        ["indent"] = Indent,
        ["items"] = (v, a) =>
        {
            NoArgs(a, "items");
            return v switch
            {
                Undefined => new PyIterator([], "generator"),
                PyDict d => new PyIterator(d.Select(e => (object?)PyList.Tuple(e.Key, e.Value)), "generator"),
                _ => throw new JinjaError("Can only get item pairs from a mapping."),
            };
        },
        ["join"] = (v, a) =>
        {
            var p = ArgBinder.Bind("join", a, "d", "attribute");
            var items = PyOps.Iterate(v);
            if (!p[1].IsMissing() && p[1] is not null) items = items.Select(AttrGetter(p[1])).ToList();
            return string.Join(PyText.Str(p[0].Or("")), items.Select(PyText.Str));
        },
        ["list"] = (v, a) => { NoArgs(a, "list"); return new PyList(PyOps.Iterate(v).ToArray()); },
        ["lower"] = (v, a) => { NoArgs(a, "lower"); return KeepMarkup(v, PyString.Lower(PyText.Str(v))); },
        ["upper"] = (v, a) => { NoArgs(a, "upper"); return KeepMarkup(v, PyString.Upper(PyText.Str(v))); },
        ["title"] = (v, a) => { NoArgs(a, "title"); return Title(PyText.Str(v)); },
        ["map"] = Map,
        ["max"] = (v, a) => MinMax(v, a, "max"),
        ["min"] = (v, a) => MinMax(v, a, "min"),
        ["replace"] = (v, a) =>
        {
            var p = ArgBinder.Bind("replace", a, "old", "new", "count");
            object? count = p[2].Or(null);
            return PyString.Replace(PyText.Str(v), PyText.Str(p[0].Required("replace", "old")), PyText.Str(p[1].Required("replace", "new")),
                count is null ? -1 : IntArg(count, "replace"));
        },
        ["reverse"] = Reverse,
        ["round"] = Round,
        ["safe"] = (v, a) => { NoArgs(a, "safe"); return v as Markup ?? new Markup(PyText.Str(v)); },
        ["select"] = (v, a) => SelectOrReject(v, a, lookupAttribute: false, keep: true),
        ["reject"] = (v, a) => SelectOrReject(v, a, lookupAttribute: false, keep: false),
        ["selectattr"] = (v, a) => SelectOrReject(v, a, lookupAttribute: true, keep: true),
        ["rejectattr"] = (v, a) => SelectOrReject(v, a, lookupAttribute: true, keep: false),
        ["sort"] = Sort,
        ["string"] = (v, a) => { NoArgs(a, "string"); return v is Markup ? v : PyText.Str(v); },
        ["sum"] = Sum,
        ["tojson"] = ToJson,
        ["trim"] = (v, a) =>
        {
            object? chars = ArgBinder.Bind("trim", a, "chars")[0].Or(null);
            return KeepMarkup(v, PyString.Strip(PyText.Str(v), chars is null ? null : StrArg(chars, "trim"), true, true));
        },
        ["unique"] = Unique,
        ["wordcount"] = (v, a) =>
        {
            NoArgs(a, "wordcount");
            long words = 0;
            bool inWord = false;
            foreach (int cp in PyString.CodePoints(PyText.Str(v)))
            {
                bool w = PyString.IsWordChar(cp);
                if (w && !inWord) words++;
                inWord = w;
            }
            return words;
        },
    };

    /// <summary>Called by the parser: unknown or unsupported filters are template errors, as Jinja reports them at compile time.</summary>
    public static void Validate(string name, int line)
    {
        if (Filters.ContainsKey(name)) return;
        if (Unsupported.Contains(name)) throw new ChatTemplateException($"filter '{name}' is not supported by this chat template engine", line);
        throw new ChatTemplateException($"no filter named '{name}'", line);
    }

    public static bool IsJinjaFilter(string name) => Filters.ContainsKey(name) || Unsupported.Contains(name);

    public static object? Apply(string name, object? value, CallArgs args)
    {
        if (Filters.TryGetValue(name, out var filter)) return filter(value, args);
        if (Unsupported.Contains(name)) throw new JinjaError($"filter '{name}' is not supported by this chat template engine");
        throw new JinjaError($"No filter named '{name}'.");
    }

    /// <summary>Filters that call a method on soft_str(value) return Markup for Markup input, as markupsafe's methods do.</summary>
    static object KeepMarkup(object? input, string result) => input is Markup ? new Markup(result) : result;

    static void NoArgs(CallArgs args, string name)
    {
        if (args.Count > 0) throw new JinjaError($"filter '{name}' takes no arguments");
    }

    static string StrArg(object? v, string name) =>
        v as string ?? (v as Markup)?.Value ?? throw new JinjaError($"filter '{name}': expected a string argument, got {PyText.TypeName(v)}");

    static long IntArg(object? v, string name) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new JinjaError($"filter '{name}': '{PyText.TypeName(v)}' object cannot be interpreted as an integer"),
    };

    /// <summary>make_attrgetter: dotted path, numeric parts as indexes, each step a subscript.</summary>
    static Func<object?, object?> AttrGetter(object? attribute, object? fallback = null, bool ignoreCase = false)
    {
        var parts = attribute switch
        {
            null => [],
            string s => s.Split('.').Select(x => x.Length > 0 && x.All(char.IsAsciiDigit) ? (object?)long.Parse(x, CultureInfo.InvariantCulture) : x).ToList(),
            _ => [attribute],
        };
        return item =>
        {
            foreach (var part in parts)
            {
                item = PyMembers.GetItem(item, part);
                if (fallback is not null && item is Undefined) item = fallback;
            }
            return ignoreCase ? IgnoreCase(item) : item;
        };
    }

    static object? IgnoreCase(object? v) => v is string s ? PyString.Lower(s) : v;

    static object? Default(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("default", a, "default_value", "boolean");
        bool boolean = PyOps.Truthy(p[1].Or(false));
        return v is Undefined || (boolean && !PyOps.Truthy(v)) ? p[0].Or("") : v;
    }
}

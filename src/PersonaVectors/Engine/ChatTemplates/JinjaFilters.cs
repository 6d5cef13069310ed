using System.Globalization;
using System.Numerics;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Jinja2's built-in filters, with Hugging Face's <c>tojson</c> override. Generators stay generators
/// (<c>map</c>, <c>select</c>, <c>reverse</c>, ...): always truthy, consumed once, as in Python.
/// </summary>
internal static class JinjaFilters
{
    /// <summary>Jinja filters this engine does not implement; using one is a parse error, not a silent difference.</summary>
    static readonly HashSet<string> Unsupported =
        ["filesizeformat", "groupby", "pprint", "random", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr"];

    static readonly Dictionary<string, Func<object?, CallArgs, object?>> Filters = new()
    {
        ["abs"] = (v, a) => { NoArgs(a, "abs"); return Abs(v); },
        ["attr"] = (v, a) => PyMembers.GetAttrOnly(v, StrArg(ArgBinder.Bind("attr", a, "name")[0].Required("attr", "name"), "attr")),
        ["capitalize"] = (v, a) => { NoArgs(a, "capitalize"); return PyString.Capitalize(PyText.Str(v)); },
        ["center"] = (v, a) => PyString.Pad(PyText.Str(v), IntArg(ArgBinder.Bind("center", a, "width")[0].Or(80L), "center"), " ", '^'),
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
        ["lower"] = (v, a) => { NoArgs(a, "lower"); return PyString.Lower(PyText.Str(v)); },
        ["upper"] = (v, a) => { NoArgs(a, "upper"); return PyString.Upper(PyText.Str(v)); },
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
            return PyString.Strip(PyText.Str(v), chars is null ? null : StrArg(chars, "trim"), true, true);
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

    static object? Abs(object? v) => v switch
    {
        long l => l == long.MinValue ? throw new JinjaError("integer result does not fit in 64 bits") : (object)Math.Abs(l),
        bool b => b ? 1L : 0L,
        double d => Math.Abs(d),
        Undefined u => throw u.Error(),
        _ => throw new JinjaError($"bad operand type for abs(): '{PyText.TypeName(v)}'"),
    };

    static object? Default(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("default", a, "default_value", "boolean");
        bool boolean = PyOps.Truthy(p[1].Or(false));
        return v is Undefined || (boolean && !PyOps.Truthy(v)) ? p[0].Or("") : v;
    }

    static object? Last(object? v, CallArgs a)
    {
        NoArgs(a, "last");
        switch (v)
        {
            case PyIterator it: throw new JinjaError($"'{it.TypeName}' object is not reversible");
            case PyList or PyDict or string or Markup or Undefined:
                var items = PyOps.Iterate(v).ToList();
                return items.Count > 0 ? items[^1] : Undefined.WithHint("No last item, sequence was empty.");
            default: throw new JinjaError($"'{PyText.TypeName(v)}' object is not reversible");
        }
    }

    /// <summary>float(x) for the float and int filters; null when Python raises TypeError/ValueError.</summary>
    static double? ToFloat(object? v)
    {
        switch (v)
        {
            case double d: return d;
            case long l: return l;
            case bool b: return b ? 1 : 0;
            case Undefined u: throw u.Error();
            case string or Markup:
                {
                    string s = PyString.Strip(PyText.Str(v), null, true, true).Replace("_", "");
                    string lower = s.ToLowerInvariant().TrimStart('+', '-');
                    if (lower is "inf" or "infinity" or "nan")
                    {
                        double special = lower == "nan" ? double.NaN : double.PositiveInfinity;
                        return s.StartsWith('-') ? -special : special;
                    }
                    if (s.Length == 0 || !s.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')) return null;
                    return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                }
            default: return null;
        }
    }

    static object? Int(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("int", a, "default", "base");
        object? fallback = p[0].Or(0L);
        long numberBase = IntArg(p[1].Or(10L), "int");
        switch (v)
        {
            case long or bool: return v is bool b ? (b ? 1L : 0L) : v;
            case double d:
                if (double.IsNaN(d) || double.IsInfinity(d)) return fallback;
                return TruncateToLong(d);
            case Undefined u: throw u.Error();
            case string or Markup:
                {
                    string s = PyString.Strip(PyText.Str(v), null, true, true);
                    if (TryParseInt(s, numberBase, out long parsed)) return parsed;
                    var f = ToFloat(v);
                    if (f is null || double.IsNaN(f.Value)) return fallback;
                    if (double.IsInfinity(f.Value)) throw new JinjaError("cannot convert float infinity to integer");
                    return TruncateToLong(f.Value);
                }
            default: return fallback;
        }
    }

    static long TruncateToLong(double d)
    {
        double t = Math.Truncate(d);
        if (t < -9.2233720368547758e18 || t >= 9.2233720368547758e18) throw new JinjaError("integer result does not fit in 64 bits");
        return (long)t;
    }

    /// <summary>Python's int(str, base): optional sign, digits with single underscores, base prefixes when base is 0 or matches.</summary>
    static bool TryParseInt(string s, long numberBase, out long value)
    {
        value = 0;
        bool negative = s.StartsWith('-');
        if (s.StartsWith('-') || s.StartsWith('+')) s = s[1..];
        string lower = s.ToLowerInvariant();
        int radix = (int)numberBase;
        foreach (var (prefix, prefixRadix) in new[] { ("0x", 16), ("0o", 8), ("0b", 2) })
        {
            if (lower.StartsWith(prefix, StringComparison.Ordinal) && (radix == 0 || radix == prefixRadix))
            {
                radix = prefixRadix;
                s = s[2..];
                if (s.StartsWith('_')) s = s[1..];
                break;
            }
        }
        if (radix == 0)
        {
            radix = 10;
            if (s.Length > 1 && s.TrimStart('0', '_').Length > 0 && s[0] == '0') return false;
        }
        if (radix is < 2 or > 36 || s.Length == 0 || s.StartsWith('_') || s.EndsWith('_') || s.Contains("__")) return false;
        BigInteger acc = 0;
        foreach (char c in s.Replace("_", ""))
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) return false;
            acc = acc * radix + digit;
        }
        if (negative) acc = -acc;
        if (acc < long.MinValue || acc > long.MaxValue) throw new JinjaError("integer result does not fit in 64 bits");
        value = (long)acc;
        return true;
    }

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

    static object? Map(object? v, CallArgs a)
    {
        // Like Jinja's generator: nothing is checked or computed until it is consumed, and a falsy input maps to nothing.
        IEnumerable<object?> Generate()
        {
            if (!PyOps.Truthy(v)) yield break;
            Func<object?, object?> func;
            var attribute = a.Named.FirstOrDefault(kv => kv.Key == "attribute");
            if (a.Positional.Count == 0 && attribute.Key is not null)
            {
                var fallback = a.Named.FirstOrDefault(kv => kv.Key == "default");
                var other = a.Named.FirstOrDefault(kv => kv.Key is not ("attribute" or "default"));
                if (other.Key is not null) throw new JinjaError($"Unexpected keyword argument '{other.Key}'");
                func = AttrGetter(attribute.Value, fallback.Value);
            }
            else
            {
                if (a.Positional.Count == 0) throw new JinjaError("map requires a filter argument");
                string name = StrArg(a.Positional[0], "map");
                var rest = new CallArgs([.. a.Positional.Skip(1)], a.Named);
                func = item => Apply(name, item, rest);
            }
            foreach (var item in PyOps.Iterate(v)) yield return func(item);
        }
        return new PyIterator(Generate(), "generator");
    }

    static PyDict NamedAsDict(CallArgs a)
    {
        var dict = new PyDict();
        foreach (var (k, value) in a.Named) dict.Set(k, value);
        return dict;
    }

    static object? Batch(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("batch", a, "linecount", "fill_with");
        long size = IntArg(p[0].Required("batch", "linecount"), "batch");
        object? fill = p[1].Or(null);
        IEnumerable<object?> Generate()
        {
            var chunk = new List<object?>();
            foreach (var item in PyOps.Iterate(v))
            {
                if (chunk.Count == size)
                {
                    yield return new PyList(chunk);
                    chunk = [];
                }
                chunk.Add(item);
            }
            if (chunk.Count > 0)
            {
                if (fill is not null) while (chunk.Count < size) chunk.Add(fill);
                yield return new PyList(chunk);
            }
        }
        return new PyIterator(Generate(), "generator");
    }

    static object? SliceFilter(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("slice", a, "slices", "fill_with");
        long slices = IntArg(p[0].Required("slice", "slices"), "slice");
        if (slices == 0) throw new JinjaError("integer division or modulo by zero");
        object? fill = p[1].Or(null);
        IEnumerable<object?> Generate()
        {
            var seq = PyOps.Iterate(v).ToList();
            long perSlice = seq.Count / slices, withExtra = seq.Count % slices, offset = 0;
            for (long n = 0; n < slices; n++)
            {
                long start = offset + n * perSlice;
                if (n < withExtra) offset++;
                long end = offset + (n + 1) * perSlice;
                var part = seq.Skip((int)start).Take((int)Math.Max(0, end - start)).ToList();
                if (fill is not null && n >= withExtra) part.Add(fill);
                yield return new PyList(part);
            }
        }
        return new PyIterator(Generate(), "generator");
    }

    static object? SelectOrReject(object? v, CallArgs a, bool lookupAttribute, bool keep)
    {
        IEnumerable<object?> Generate()
        {
            if (!PyOps.Truthy(v)) yield break;
            int offset = 0;
            Func<object?, object?> transform = x => x;
            if (lookupAttribute)
            {
                if (a.Positional.Count == 0) throw new JinjaError("Missing parameter for attribute name");
                transform = AttrGetter(a.Positional[0]);
                offset = 1;
            }
            Func<object?, bool> test;
            if (a.Positional.Count > offset)
            {
                string name = StrArg(a.Positional[offset], "select");
                var rest = new CallArgs([.. a.Positional.Skip(offset + 1)], a.Named);
                test = x => JinjaTests.Apply(name, x, rest);
            }
            else test = PyOps.Truthy;
            foreach (var item in PyOps.Iterate(v))
                if (test(transform(item)) == keep) yield return item;
        }
        return new PyIterator(Generate(), "generator");
    }

    static object? Unique(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("unique", a, "case_sensitive", "attribute");
        var getter = AttrGetter(p[1].Or(null), ignoreCase: !PyOps.Truthy(p[0].Or(false)));
        IEnumerable<object?> Generate()
        {
            var seen = new PyDict();
            foreach (var item in PyOps.Iterate(v))
            {
                var key = getter(item);
                PyOps.Hash(key);
                if (seen.ContainsKey(key)) continue;
                seen.Set(key, null);
                yield return item;
            }
        }
        return new PyIterator(Generate(), "generator");
    }

    static object? Reverse(object? v, CallArgs a)
    {
        NoArgs(a, "reverse");
        return v switch
        {
            string s => PyString.FromCodePoints(PyString.CodePoints(s).Reverse()),
            Markup m => new Markup(PyString.FromCodePoints(PyString.CodePoints(m.Value).Reverse())),
            PyList or PyDict or Undefined => new PyIterator(PyOps.Iterate(v).Reverse().ToList(), "list_reverseiterator"),
            PyIterator => new PyList(PyOps.Iterate(v).Reverse().ToArray()),
            _ => throw new JinjaError("argument must be iterable"),
        };
    }

    /// <summary>make_multi_attrgetter: the sort key is always a list ("a,b" gives two entries), compared element-wise.</summary>
    static Func<object?, object?> SortKey(object? attribute, bool caseSensitive)
    {
        var parts = attribute is string s ? s.Split(',').Select(p => (object?)p).ToList() : [attribute];
        var getters = parts.Select(part => AttrGetter(part, ignoreCase: !caseSensitive)).ToList();
        return item => new PyList(getters.Select(g => g(item)).ToArray());
    }

    static object? Sort(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("sort", a, "reverse", "case_sensitive", "attribute");
        var key = SortKey(p[2].Or(null), PyOps.Truthy(p[1].Or(false)));
        return new PyList(PyOps.StableSort(PyOps.Iterate(v).ToList(), key, PyOps.Truthy(p[0].Or(false))).ToArray());
    }

    static object? DictSort(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("dictsort", a, "case_sensitive", "by", "reverse");
        if (v is not PyDict dict) throw new JinjaError($"'{PyText.TypeName(v)}' object has no attribute 'items'");
        int position = p[1].Or("key") switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new JinjaError("You can only sort by either \"key\" or \"value\""),
        };
        bool caseSensitive = PyOps.Truthy(p[0].Or(false));
        var items = dict.Select(e => PyList.Tuple(e.Key, e.Value)).ToList();
        object? Key(PyList pair) => caseSensitive ? pair[position] : IgnoreCase(pair[position]);
        return new PyList(PyOps.StableSort(items, Key, PyOps.Truthy(p[2].Or(false))).Cast<object?>().ToArray());
    }

    static object? MinMax(object? v, CallArgs a, string which)
    {
        var p = ArgBinder.Bind(which, a, "case_sensitive", "attribute");
        var key = AttrGetter(p[1].Or(null), ignoreCase: !PyOps.Truthy(p[0].Or(false)));
        bool found = false;
        object? best = null, bestKey = null;
        foreach (var item in PyOps.Iterate(v))
        {
            var k = key(item);
            if (!found || (which == "min" ? PyOps.Compare("<", k, bestKey) : PyOps.Compare(">", k, bestKey)))
            {
                best = item;
                bestKey = k;
                found = true;
            }
        }
        return found ? best : Undefined.WithHint("No aggregated item, sequence was empty.");
    }

    static object? Sum(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("sum", a, "attribute", "start");
        object? total = p[1].Or(0L);
        if (total is string or Markup) throw new JinjaError("sum() can't sum strings [use ''.join(seq) instead]");
        var items = PyOps.Iterate(v);
        if (p[0].Or(null) is { } attribute) items = items.Select(AttrGetter(attribute));
        foreach (var item in items) total = PyOps.Binary("+", total, item);
        return total;
    }

    static object? Round(object? v, CallArgs a)
    {
        var p = ArgBinder.Bind("round", a, "precision", "method");
        long precision = IntArg(p[0].Or(0L), "round");
        string method = PyText.Str(p[1].Or("common"));
        if (method is not ("common" or "ceil" or "floor")) throw new JinjaError("method must be common, ceil or floor");
        if (v is Undefined u) throw u.Error();
        if (v is not (long or bool or double)) throw new JinjaError($"type {PyText.TypeName(v)} doesn't define __round__ method");
        if (method == "common")
        {
            // round(int, n) stays an int in Python; round(float, n) is a float rounded half-to-even on the exact value.
            if (v is long or bool) return v is bool b ? (b ? 1L : 0L) : PyRound.RoundInt((long)v, precision);
            return PyRound.RoundFloat((double)v, precision);
        }
        double scale = Math.Pow(10, precision);
        double x = v is double d ? d : v is bool bb ? (bb ? 1 : 0) : (long)v;
        return (method == "ceil" ? Math.Ceiling(x * scale) : Math.Floor(x * scale)) / scale;
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
}

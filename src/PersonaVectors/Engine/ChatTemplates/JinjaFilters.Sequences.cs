namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Filters over sequences and mappings; the lazy ones return one-shot generators like Jinja's.</summary>
internal static partial class JinjaFilters
{
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
                test = x => JinjaIsTests.Apply(name, x, rest);
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
}

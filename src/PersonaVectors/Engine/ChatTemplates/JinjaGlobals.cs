namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// The global names of Hugging Face's chat template environment: Jinja's range/dict/namespace plus
/// <c>raise_exception</c> and <c>strftime_now</c>. Render variables shadow these, as in Jinja.
/// </summary>
internal static class JinjaGlobals
{
    const long MaxRange = 100_000;

    public static JinjaScope Create(Func<DateTime> clock)
    {
        var scope = new JinjaScope(null);
        scope.Set("range", new BuiltinFunction("range", Range));
        scope.Set("dict", new BuiltinFunction("dict", a => ToDict("dict", a)));
        scope.Set("namespace", new BuiltinFunction("namespace", a =>
        {
            var ns = new JinjaNamespace();
            foreach (var (k, v) in ToDict("namespace", a)) ns.Attributes.Set(k, v);
            return ns;
        }));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", a =>
        {
            var p = ArgBinder.Bind("raise_exception", a, "message");
            throw new JinjaError(PyText.Str(p[0].Required("raise_exception", "message")), raisedByTemplate: true);
        }));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", a =>
        {
            var p = ArgBinder.Bind("strftime_now", a, "format");
            object? format = p[0].Required("strftime_now", "format");
            return PyStrftime.Format(clock(), format as string ?? throw new JinjaError("strftime_now() argument must be str"));
        }));
        foreach (var name in new[] { "lipsum", "cycler", "joiner" })
            scope.Set(name, new BuiltinFunction(name, _ => throw new JinjaError($"the global '{name}' is not supported by this chat template engine")));
        return scope;
    }

    static object? Range(CallArgs a)
    {
        if (a.Named.Count > 0) throw new JinjaError("range() takes no keyword arguments");
        var p = a.Positional.Select(v => v switch
        {
            long l => l,
            bool b => b ? 1L : 0L,
            _ => throw new JinjaError($"'{PyText.TypeName(v)}' object cannot be interpreted as an integer"),
        }).ToArray();
        (long start, long stop, long step) = p.Length switch
        {
            1 => (0L, p[0], 1L),
            2 => (p[0], p[1], 1L),
            3 => (p[0], p[1], p[2]),
            _ => throw new JinjaError($"range expected at most 3 arguments, got {p.Length}"),
        };
        if (step == 0) throw new JinjaError("range() arg 3 must not be zero");
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= MaxRange)
                throw new JinjaError($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
            items.Add(i);
        }
        return new PyList(items, PyListKind.Range) { RangeArgs = (start, stop, step) };
    }

    /// <summary>dict(*args, **kwargs): an optional mapping or iterable of pairs, then keyword arguments.</summary>
    static PyDict ToDict(string function, CallArgs a)
    {
        if (a.Positional.Count > 1) throw new JinjaError($"{function} expected at most 1 argument, got {a.Positional.Count}");
        var result = new PyDict();
        if (a.Positional.Count == 1)
        {
            var source = a.Positional[0];
            if (source is PyDict d)
                foreach (var (k, v) in d) result.Set(k, v);
            else
                foreach (var pair in PyOps.Iterate(source))
                {
                    var kv = PyOps.Iterate(pair).ToList();
                    if (kv.Count != 2) throw new JinjaError($"dictionary update sequence element has length {kv.Count}; 2 is required");
                    PyOps.Hash(kv[0]);
                    result.Set(kv[0], kv[1]);
                }
        }
        foreach (var (k, v) in a.Named) result.Set(k, v);
        return result;
    }
}

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Attribute and item access with the rules of Jinja's ImmutableSandboxedEnvironment: <c>x.name</c> tries the Python
/// attribute, then the item; <c>x[key]</c> tries the item, then (for string keys) the attribute; misses are undefined;
/// methods that would mutate a list or dict are unsafe and fail when called.
/// </summary>
internal static class PyMembers
{
    static readonly HashSet<string> DictMutators = ["clear", "pop", "popitem", "setdefault", "update"];
    static readonly HashSet<string> ListMutators = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"];
    static readonly HashSet<string> OtherDictAttributes = ["fromkeys"];
    static readonly HashSet<string> NumberAttributes =
        ["as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator", "from_bytes", "imag", "numerator", "real",
         "to_bytes", "is_integer", "hex", "fromhex"];

    public static object? GetAttr(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u:
                // Python attributes such as __class__ exist but are unsafe in the sandbox; any other access fails.
                if (name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal)) return Unsafe(u, name);
                throw u.Error();
            case PyDict dict:
                if (DictMember(dict, name) is { } method) return method;
                return dict.TryGet(name, out var value) ? value : Undefined.Member(dict, name);
            case JinjaNamespace ns:
                return ns.Attributes.TryGet(name, out var attr) ? attr : Undefined.Member(ns, name);
            case LoopContext loop:
                return loop.Attribute(name);
            case JinjaMacro macro:
                if (name == "name") return macro.Name;
                if (name is "arguments" or "defaults" or "catch_kwargs" or "catch_varargs" or "caller")
                    throw new JinjaError($"macro attribute '{name}' is not supported by this chat template engine");
                return Undefined.Member(obj, name);
        }
        return Member(obj, name) ?? Undefined.Member(obj, name);
    }

    /// <summary>The attribute only, without falling back to items (the <c>attr</c> filter).</summary>
    public static object? GetAttrOnly(object? obj, string name) => obj switch
    {
        Undefined u => throw u.Error(),
        PyDict dict => DictMember(dict, name) ?? Undefined.Member(obj, name),
        JinjaNamespace or LoopContext or JinjaMacro => GetAttr(obj, name),
        _ => Member(obj, name) ?? Undefined.Member(obj, name),
    };

    /// <param name="compileTime">The expression is being constant-folded, as Jinja's optimizer would (see <see cref="Slice"/>).</param>
    public static object? GetItem(object? obj, object? key, bool compileTime = false)
    {
        if (key is SliceValue slice) return Slice(obj, slice, compileTime);
        switch (obj)
        {
            case Undefined u:
                throw u.Error();
            case PyDict dict:
                if (IsHashable(key) && dict.TryGet(key, out var value)) return value;
                if (key is string s1 && DictMember(dict, s1) is { } method) return method;
                return Undefined.Member(dict, key);
            case PyList list:
                if (list.IsIndexable)
                {
                    if (key is long or bool)
                    {
                        long i = key is bool b ? (b ? 1 : 0) : (long)key;
                        if (i < 0) i += list.Count;
                        return i >= 0 && i < list.Count ? list[(int)i] : Undefined.Member(list, key);
                    }
                }
                break;
            case string or Markup:
                {
                    string s = obj is Markup m ? m.Value : (string)obj;
                    if (key is long or bool)
                    {
                        int[] cps = PyString.CodePoints(s);
                        long i = key is bool b ? (b ? 1 : 0) : (long)key;
                        if (i < 0) i += cps.Length;
                        return i >= 0 && i < cps.Length ? PyString.FromCodePoints([cps[(int)i]]) : Undefined.Member(obj, key);
                    }
                    break;
                }
            case LoopContext loop when key is string name:
                return loop.Attribute(name);
            case JinjaNamespace when key is string name:
                return GetAttr(obj, name);
        }
        if (key is string attribute && Member(obj, attribute) is { } found) return found;
        return Undefined.Member(obj, key);
    }

    /// <summary>
    /// Jinja compiles x[a:b] to a plain Python slice that bypasses the sandbox's getitem, so unlike indexing a failed
    /// slice is an error. Only constant expressions folded at compile time go through getitem, where the TypeError
    /// becomes undefined (<paramref name="lenient"/>); undefined values and a zero step raise either way.
    /// </summary>
    static object? Slice(object? obj, SliceValue slice, bool lenient)
    {
        var (value, typeError) = SliceCore(obj, slice);
        if (typeError is null) return value;
        return lenient ? Undefined.Member(obj, slice) : throw new JinjaError(typeError);
    }

    static (object? Value, string? TypeError) SliceCore(object? obj, SliceValue slice)
    {
        const string badIndex = "slice indices must be integers or None or have an __index__ method";
        switch (obj)
        {
            case Undefined u:
                throw u.Error();
            case PyList { IsIndexable: true } list:
                {
                    var indices = slice.Indices(list.Count);
                    if (indices is null) return (null, badIndex);
                    var items = new PyList(indices.Select(i => list[i]).ToArray(), list.Kind == PyListKind.Range ? PyListKind.List : list.Kind);
                    return (list.Kind == PyListKind.Range ? RangeSlice(list, slice, items) : items, null);
                }
            case string or Markup:
                {
                    int[] cps = PyString.CodePoints(obj is Markup m ? m.Value : (string)obj);
                    var indices = slice.Indices(cps.Length);
                    if (indices is null) return (null, badIndex);
                    string sliced = PyString.FromCodePoints(indices.Select(i => cps[i]));
                    return (obj is Markup ? new Markup(sliced) : sliced, null);
                }
            case PyDict:
                return (null, "unhashable type: 'slice'");
            default:
                return (null, $"'{PyText.TypeName(obj)}' object is not subscriptable");
        }
    }

    static PyList RangeSlice(PyList range, SliceValue slice, PyList items)
    {
        // range(...)[a:b:c] is again a range; rebuild its arguments so it prints the way Python prints it.
        var (start, _, step) = range.RangeArgs;
        long sliceStep = slice.Step is long st ? st : 1;
        var indices = slice.Indices(range.Count)!;
        long first = indices.Count > 0 ? start + indices[0] * step : start;
        long newStep = step * sliceStep;
        long stop = indices.Count > 0 ? first + indices.Count * newStep : first;
        return new PyList(items.ToArray(), PyListKind.Range) { RangeArgs = (first, stop, newStep) };
    }

    static bool IsHashable(object? key) => key is not (PyList { IsTuple: false } or PyDict or JinjaNamespace)
        && !(key is PyList tuple && tuple.Any(x => !IsHashable(x)));

    static object? DictMember(PyDict dict, string name)
    {
        if (DictMutators.Contains(name)) return Unsafe(dict, name);
        if (OtherDictAttributes.Contains(name)) throw Unsupported("dict", name);
        if (name.StartsWith("__", StringComparison.Ordinal) && !dict.ContainsKey(name)) return Unsafe(dict, name);
        return name switch
        {
            "keys" => Method(name, a => { NoArgs(a, name); return new PyList(dict.Keys.ToArray(), PyListKind.DictKeys); }),
            "values" => Method(name, a => { NoArgs(a, name); return new PyList(dict.Values.ToArray(), PyListKind.DictValues); }),
            "items" => Method(name, a =>
            {
                NoArgs(a, name);
                return new PyList(dict.Select(e => (object?)PyList.Tuple(e.Key, e.Value)).ToArray(), PyListKind.DictItems);
            }),
            "get" => Method(name, a =>
            {
                var p = Positional(a, name, 1, 2);
                if (!IsHashable(p[0])) throw new JinjaError($"unhashable type: '{PyText.TypeName(p[0])}'");
                return dict.TryGet(p[0], out var v) ? v : p.Length > 1 ? p[1] : null;
            }),
            "copy" => Method(name, a =>
            {
                NoArgs(a, name);
                var copy = new PyDict();
                foreach (var (k, v) in dict) copy.Set(k, v);
                return copy;
            }),
            _ => null,
        };
    }

    /// <summary>Python attributes of values other than dicts; null when the type has no such attribute.</summary>
    static object? Member(object? obj, string name)
    {
        if (name.StartsWith("__", StringComparison.Ordinal)) return Unsafe(obj, name);
        switch (obj)
        {
            case string s:
                return PyStringMethods.Get(s, name);
            case Markup m:
                // markupsafe re-wraps and escapes through most str methods; rather than approximate that, refuse.
                return PyStringMethods.Get(m.Value, name) is null && name is not ("escape" or "unescape" or "striptags")
                    ? null
                    : throw Unsupported("Markup", name);
            case PyList list:
                if (list.Kind == PyListKind.List && ListMutators.Contains(name)) return Unsafe(list, name);
                if (list.Kind == PyListKind.Range && name is "start" or "stop" or "step")
                    return name == "start" ? list.RangeArgs.Start : name == "stop" ? list.RangeArgs.Stop : list.RangeArgs.Step;
                if (list.Kind is PyListKind.DictKeys or PyListKind.DictItems or PyListKind.DictValues)
                    return name is "mapping" or "isdisjoint" ? throw Unsupported(PyText.TypeName(list), name) : null;
                return name switch
                {
                    "count" => Method(name, a => (long)list.Count(x => PyOps.Equal(x, Positional(a, name, 1, 1)[0]))),
                    "index" => Method(name, a =>
                    {
                        var p = Positional(a, name, 1, 1);
                        for (int i = 0; i < list.Count; i++) if (PyOps.Equal(list[i], p[0])) return (long)i;
                        throw new JinjaError($"{PyText.Repr(p[0])} is not in list");
                    }),
                    "copy" when list.Kind == PyListKind.List => Method(name, a => { NoArgs(a, name); return new PyList(list.ToArray()); }),
                    _ => null,
                };
            case bool or long or double:
                return NumberAttributes.Contains(name) ? throw Unsupported(PyText.TypeName(obj), name) : null;
            case PyIterator it:
                return name is "send" or "throw" or "close" ? throw Unsupported(it.TypeName, name) : null;
            default:
                return null;
        }
    }

    static Undefined Unsafe(object? obj, string name) =>
        Undefined.WithHint($"access to attribute '{name}' of '{PyText.TypeName(obj)}' object is unsafe.");

    static JinjaError Unsupported(string type, string name) =>
        new($"{type}.{name} is not supported by this chat template engine");

    static BuiltinFunction Method(string name, Func<CallArgs, object?> body) => new(name, body);

    public static void NoArgs(CallArgs args, string name)
    {
        if (args.Count > 0) throw new JinjaError($"{name}() takes no arguments ({args.Count} given)");
    }

    /// <summary>Positional-only parameters, as most str/list/dict methods have.</summary>
    public static object?[] Positional(CallArgs args, string name, int min, int max)
    {
        if (args.Named.Count > 0) throw new JinjaError($"{name}() takes no keyword arguments");
        if (args.Positional.Count < min || args.Positional.Count > max)
            throw new JinjaError(min == max
                ? $"{name}() takes exactly {min} argument(s) ({args.Positional.Count} given)"
                : $"{name}() takes from {min} to {max} arguments ({args.Positional.Count} given)");
        return [.. args.Positional];
    }
}

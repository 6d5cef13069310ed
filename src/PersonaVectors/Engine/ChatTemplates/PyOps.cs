using System.Runtime.CompilerServices;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Python semantics of truthiness, equality, ordering, arithmetic, membership and iteration.</summary>
internal static class PyOps
{
    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        Markup m => m.Value.Length > 0,
        PyList l => l.Count > 0,
        PyDict d => d.Count > 0,
        _ => true,
    };

    static bool IsInt(object? v) => v is long or bool;
    static bool IsNumber(object? v) => v is long or bool or double;
    static long ToLong(object? v) => v is bool b ? (b ? 1 : 0) : (long)v!;
    static double ToDouble(object? v) => v is double d ? d : ToLong(v);
    static string? AsString(object? v) => v switch { string s => s, Markup m => m.Value, _ => null };

    public static bool Equal(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (IsInt(a) && IsInt(b)) return ToLong(a) == ToLong(b);
            if (a is double da && b is double db) return da == db;
            // int vs float: Python compares exactly, not after rounding the int to a double.
            double f = a is double x ? x : (double)b;
            long i = a is double ? ToLong(b) : ToLong(a);
            return Math.Floor(f) == f && f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 && (long)f == i;
        }
        if (AsString(a) is { } sa && AsString(b) is { } sb) return sa == sb;
        if (a is PyList la && b is PyList lb)
        {
            if (la.Kind != lb.Kind || la.Kind == PyListKind.DictValues) return ReferenceEquals(la, lb);
            if (la.Count != lb.Count) return false;
            if (la.Kind is PyListKind.DictKeys or PyListKind.DictItems) return la.All(x => lb.Any(y => Equal(x, y)));
            for (int i = 0; i < la.Count; i++) if (!Equal(la[i], lb[i])) return false;
            return true;
        }
        if (a is PyDict dictA && b is PyDict dictB)
        {
            if (dictA.Count != dictB.Count) return false;
            foreach (var (k, v) in dictA)
                if (!dictB.TryGet(k, out var other) || !Equal(v, other)) return false;
            return true;
        }
        return ReferenceEquals(a, b);
    }

    public static int Hash(object? v) => v switch
    {
        null => 0,
        bool or long => ToLong(v).GetHashCode(),
        double d => Math.Floor(d) == d && Math.Abs(d) < 9e18 ? ((long)d).GetHashCode() : d.GetHashCode(),
        string or Markup => AsString(v)!.GetHashCode(StringComparison.Ordinal),
        Undefined => 17,
        PyList { IsTuple: true } t => t.Aggregate(31, (h, x) => HashCode.Combine(h, Hash(x))),
        PyList or PyDict or JinjaNamespace => throw new JinjaError($"unhashable type: '{PyText.TypeName(v)}'"),
        _ => RuntimeHelpers.GetHashCode(v),
    };

    /// <summary>Python ordering; null means "unordered" (a NaN was involved) so every comparison is false.</summary>
    public static int? Order(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
        if (IsNumber(a) && IsNumber(b))
        {
            if (IsInt(a) && IsInt(b)) return ToLong(a).CompareTo(ToLong(b));
            double x = ToDouble(a), y = ToDouble(b);
            if (double.IsNaN(x) || double.IsNaN(y)) return null;
            return x.CompareTo(y);
        }
        if (AsString(a) is { } sa && AsString(b) is { } sb) return CompareCodePoints(sa, sb);
        if (a is PyList la && b is PyList lb && la.Kind == lb.Kind && la.IsIndexable)
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
                if (!Equal(la[i], lb[i])) return Order(la[i], lb[i], op);
            return la.Count.CompareTo(lb.Count);
        }
        throw new JinjaError($"'{op}' not supported between instances of '{PyText.TypeName(a)}' and '{PyText.TypeName(b)}'");
    }

    static int CompareCodePoints(string a, string b)
    {
        // UTF-16 order differs from code point order only when surrogates meet characters above U+D7FF.
        int[] x = PyString.CodePoints(a), y = PyString.CodePoints(b);
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        return x.Length.CompareTo(y.Length);
    }

    public static bool Compare(string op, object? a, object? b) => op switch
    {
        "==" => Equal(a, b),
        "!=" => !Equal(a, b),
        "<" => Order(a, b, op) is < 0,
        "<=" => Order(a, b, op) is <= 0,
        ">" => Order(a, b, op) is > 0,
        ">=" => Order(a, b, op) is >= 0,
        "in" => Contains(b, a),
        "notin" => !Contains(b, a),
        _ => throw new JinjaError($"unknown comparison '{op}'"),
    };

    static JinjaError OperandError(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PyText.TypeName(a)}' and '{PyText.TypeName(b)}'");

    static void FailOnUndefined(object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
    }

    static long Checked(Func<long> f)
    {
        try { return f(); }
        catch (OverflowException) { throw new JinjaError("integer result does not fit in 64 bits (Python would use a big integer)"); }
    }

    public static object? Binary(string op, object? a, object? b)
    {
        // str % x is str.__mod__, which accepts any right operand, undefined included.
        if (op == "%" && a is string format) return PyPrintf.Format(format, b);
        FailOnUndefined(a, b);
        switch (op)
        {
            case "+":
                if (IsNumber(a) && IsNumber(b))
                    return IsInt(a) && IsInt(b) ? Checked(() => checked(ToLong(a) + ToLong(b))) : (object)(ToDouble(a) + ToDouble(b));
                if (a is Markup ma && AsString(b) is { } sb1) return new Markup(ma.Value + (b is Markup mb ? mb.Value : Markup.Escape(sb1)));
                if (b is Markup mb2 && a is string sa2) return new Markup(Markup.Escape(sa2) + mb2.Value);
                if (a is string s1 && b is string s2) return s1 + s2;
                if (a is PyList l1 && b is PyList l2 && l1.Kind == l2.Kind && l1.Kind is PyListKind.List or PyListKind.Tuple)
                    return new PyList([.. l1, .. l2], l1.Kind);
                if (a is string) throw new JinjaError($"can only concatenate str (not \"{PyText.TypeName(b)}\") to str");
                throw OperandError(op, a, b);
            case "-":
                if (IsNumber(a) && IsNumber(b))
                    return IsInt(a) && IsInt(b) ? Checked(() => checked(ToLong(a) - ToLong(b))) : (object)(ToDouble(a) - ToDouble(b));
                throw OperandError(op, a, b);
            case "*":
                if (IsNumber(a) && IsNumber(b))
                    return IsInt(a) && IsInt(b) ? Checked(() => checked(ToLong(a) * ToLong(b))) : (object)(ToDouble(a) * ToDouble(b));
                if (IsInt(b) && (AsString(a) is not null || a is PyList)) return Repeat(a, ToLong(b));
                if (IsInt(a) && (AsString(b) is not null || b is PyList)) return Repeat(b, ToLong(a));
                throw OperandError(op, a, b);
            case "/":
                if (!IsNumber(a) || !IsNumber(b)) throw OperandError(op, a, b);
                if (ToDouble(b) == 0) throw new JinjaError("division by zero");
                return ToDouble(a) / ToDouble(b);
            case "//":
                if (!IsNumber(a) || !IsNumber(b)) throw OperandError(op, a, b);
                if (ToDouble(b) == 0) throw new JinjaError("integer division or modulo by zero");
                if (IsInt(a) && IsInt(b)) return Checked(() => FloorDiv(ToLong(a), ToLong(b)));
                return FloatDivMod(ToDouble(a), ToDouble(b)).Div;
            case "%":
                if (a is Markup) throw new JinjaError("printf-style formatting of a safe (Markup) string is not supported by this chat template engine");
                if (!IsNumber(a) || !IsNumber(b)) throw OperandError(op, a, b);
                if (ToDouble(b) == 0) throw new JinjaError("integer division or modulo by zero");
                if (IsInt(a) && IsInt(b)) return ToLong(a) - Checked(() => checked(FloorDiv(ToLong(a), ToLong(b)) * ToLong(b)));
                return FloatDivMod(ToDouble(a), ToDouble(b)).Mod;
            case "**":
                if (!IsNumber(a) || !IsNumber(b)) throw OperandError(op, a, b);
                if (IsInt(a) && IsInt(b) && ToLong(b) >= 0) return Checked(() => IntPow(ToLong(a), ToLong(b)));
                return FloatPow(ToDouble(a), ToDouble(b));
            default:
                throw new JinjaError($"unknown operator '{op}'");
        }
    }

    static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    /// <summary>CPython's float floordiv/mod, which round differently from a naive floor(x / y).</summary>
    static (double Div, double Mod) FloatDivMod(double x, double y)
    {
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0)
        {
            if ((y < 0) != (mod < 0)) { mod += y; div -= 1.0; }
        }
        else mod = Math.CopySign(0.0, y);
        double floorDiv;
        if (div != 0)
        {
            floorDiv = Math.Floor(div);
            if (div - floorDiv > 0.5) floorDiv += 1.0;
        }
        else floorDiv = Math.CopySign(0.0, x / y);
        return (floorDiv, mod);
    }

    /// <summary>float ** float with CPython's errors, where Math.Pow would quietly give inf or NaN.</summary>
    static double FloatPow(double x, double y)
    {
        if (x == 0 && y < 0) throw new JinjaError("0.0 cannot be raised to a negative power");
        if (x < 0 && double.IsFinite(x) && double.IsFinite(y) && Math.Floor(y) != y)
            throw new JinjaError("a negative number to a fractional power gives a complex number, which this chat template engine does not support");
        double r = Math.Pow(x, y);
        if (double.IsInfinity(r) && double.IsFinite(x) && double.IsFinite(y)) throw new JinjaError("(34, 'Numerical result out of range')");
        return r;
    }

    static long IntPow(long b, long e)
    {
        long r = 1;
        while (e > 0)
        {
            if ((e & 1) == 1) r = checked(r * b);
            e >>= 1;
            if (e > 0) b = checked(b * b);
        }
        return r;
    }

    static object Repeat(object? seq, long times)
    {
        if (times <= 0) times = 0;
        if (seq is PyList l)
        {
            var items = new List<object?>();
            for (long i = 0; i < times; i++) items.AddRange(l);
            return new PyList(items, l.Kind);
        }
        var sb = new System.Text.StringBuilder();
        string s = AsString(seq)!;
        for (long i = 0; i < times; i++) sb.Append(s);
        return seq is Markup ? new Markup(sb.ToString()) : sb.ToString();
    }

    public static object? Negate(object? v) => v switch
    {
        Undefined u => throw u.Error(),
        bool or long => (object)Checked(() => checked(-ToLong(v))),
        double d => -d,
        _ => throw new JinjaError($"bad operand type for unary -: '{PyText.TypeName(v)}'"),
    };

    public static object? Plus(object? v) => v switch
    {
        Undefined u => throw u.Error(),
        bool or long => (object)ToLong(v),
        double d => d,
        _ => throw new JinjaError($"bad operand type for unary +: '{PyText.TypeName(v)}'"),
    };

    /// <summary>
    /// sorted(items, key=key, reverse=reverse): stable, using only Python's <c>&lt;</c> on keys, so incomparable keys
    /// raise a TypeError as in Python; reverse keeps equal items in their original order, as Python does.
    /// </summary>
    public static List<T> StableSort<T>(IReadOnlyList<T> items, Func<T, object?> key, bool reverse)
    {
        var keyed = items.Select(item => (Item: item, Key: key(item))).ToArray();
        bool Less((T Item, object? Key) a, (T Item, object? Key) b) => reverse ? Compare("<", b.Key, a.Key) : Compare("<", a.Key, b.Key);
        var buffer = new (T, object?)[keyed.Length];
        void Sort(int lo, int hi)
        {
            if (hi - lo < 2) return;
            int mid = (lo + hi) / 2;
            Sort(lo, mid);
            Sort(mid, hi);
            int i = lo, j = mid;
            for (int k = lo; k < hi; k++)
                buffer[k] = j < hi && (i >= mid || Less(keyed[j], keyed[i])) ? keyed[j++] : keyed[i++];
            Array.Copy(buffer, lo, keyed, lo, hi - lo);
        }
        Sort(0, keyed.Length);
        return keyed.Select(x => x.Item).ToList();
    }

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string or Markup:
                if (AsString(item) is not { } sub)
                    throw new JinjaError($"'in <string>' requires string as left operand, not {PyText.TypeName(item)}");
                return AsString(container)!.Contains(sub, StringComparison.Ordinal);
            case PyDict d:
                Hash(item);
                return d.ContainsKey(item);
            case PyList or Undefined or PyIterator:
                foreach (var x in Iterate(container)) if (Equal(x, item)) return true;
                return false;
            default:
                throw new JinjaError($"argument of type '{PyText.TypeName(container)}' is not iterable");
        }
    }

    /// <summary>Python's <c>iter()</c>: dicts give keys, strings give code points, undefined gives nothing.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        PyList l => l,
        PyDict d => d.Keys,
        string s => PyString.CodePoints(s).Select(cp => (object?)PyString.FromCodePoints([cp])),
        Markup m => PyString.CodePoints(m.Value).Select(cp => (object?)PyString.FromCodePoints([cp])),
        Undefined => [],
        PyIterator it => it.Consume(),
        _ => throw new JinjaError($"'{PyText.TypeName(v)}' object is not iterable"),
    };

    public static long Len(object? v) => v switch
    {
        string s => PyString.Length(s),
        Markup m => PyString.Length(m.Value),
        PyList l => l.Count,
        PyDict d => d.Count,
        Undefined => 0,
        LoopContext loop => loop.Length,
        _ => throw new JinjaError($"object of type '{PyText.TypeName(v)}' has no len()"),
    };
}

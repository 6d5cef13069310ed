using System.Globalization;
using System.Numerics;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Numeric filters with Python's conversion rules (int('42.5') falls back to float, round is half-to-even).</summary>
internal static partial class JinjaFilters
{
    static object? Abs(object? v) => v switch
    {
        long l => l == long.MinValue ? throw new JinjaError("integer result does not fit in 64 bits") : (object)Math.Abs(l),
        bool b => b ? 1L : 0L,
        double d => Math.Abs(d),
        Undefined u => throw u.Error(),
        _ => throw new JinjaError($"bad operand type for abs(): '{PyText.TypeName(v)}'"),
    };

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
}

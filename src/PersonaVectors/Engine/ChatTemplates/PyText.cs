using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Python's <c>str()</c> and <c>repr()</c> of template values, which is what <c>{{ x }}</c> prints.</summary>
internal static class PyText
{
    public static string Str(object? v) => v switch
    {
        string s => s,
        Markup m => m.Value,
        Undefined => "",
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        PyList or PyDict => Repr(v),
        JinjaNamespace ns => $"<Namespace {Repr(ns.Attributes)}>",
        LoopContext loop => $"<LoopContext {loop.Index}/{loop.Length}>",
        JinjaMacro macro => $"<Macro {Repr(macro.Name)}>",
        SliceValue slice => $"slice({Repr(slice.Start)}, {Repr(slice.Stop)}, {Repr(slice.Step)})",
        _ => throw new JinjaError($"cannot print a value of type '{TypeName(v)}' (Python would print its memory address)"),
    };

    public static string Repr(object? v)
    {
        switch (v)
        {
            case string s: return QuoteString(s);
            case Markup m: return $"Markup({QuoteString(m.Value)})";
            case Undefined: return "Undefined";
            case PyDict d:
                return "{" + string.Join(", ", d.Select(e => Repr(e.Key) + ": " + Repr(e.Value))) + "}";
            case PyList l:
                string items = string.Join(", ", l.Select(Repr));
                return l.Kind switch
                {
                    PyListKind.Tuple => l.Count == 1 ? $"({items},)" : $"({items})",
                    PyListKind.DictKeys => $"dict_keys([{items}])",
                    PyListKind.DictValues => $"dict_values([{items}])",
                    PyListKind.DictItems => $"dict_items([{items}])",
                    PyListKind.Range => l.RangeArgs.Step == 1
                        ? $"range({l.RangeArgs.Start}, {l.RangeArgs.Stop})"
                        : $"range({l.RangeArgs.Start}, {l.RangeArgs.Stop}, {l.RangeArgs.Step})",
                    _ => $"[{items}]",
                };
            default: return Str(v);
        }
    }

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        Markup => "Markup",
        Undefined => "Undefined",
        PyDict => "dict",
        PyList l => l.Kind switch
        {
            PyListKind.Tuple => "tuple",
            PyListKind.DictKeys => "dict_keys",
            PyListKind.DictValues => "dict_values",
            PyListKind.DictItems => "dict_items",
            PyListKind.Range => "range",
            _ => "list",
        },
        JinjaNamespace => "Namespace",
        LoopContext => "LoopContext",
        JinjaMacro => "Macro",
        SliceValue => "slice",
        PyIterator it => it.TypeName,
        IJinjaCallable => "builtin_function_or_method",
        _ => v.GetType().Name,
    };

    /// <summary>
    /// float.__repr__: the shortest digits that round-trip, in fixed notation when the decimal exponent is in [-4, 16),
    /// otherwise as d.ddde±XX; integral values keep a ".0".
    /// </summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Python.
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int e = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            e = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string digits = intPart + (dot >= 0 ? r[(dot + 1)..] : "");
        int decpt = intPart.Length + e;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        decpt -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        if (decpt > 16 || decpt < -3)
        {
            int exp = decpt - 1;
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0) sb.Append("0.").Append('0', -decpt).Append(digits);
        else if (decpt >= digits.Length) sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
        else sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        return sb.ToString();
    }

    /// <summary>str.__repr__: single quotes unless the text has a ' and no ", non-printable characters escaped.</summary>
    public static string QuoteString(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (int cp in PyString.CodePoints(s))
        {
            if (cp == quote || cp == '\\') sb.Append('\\').Append((char)cp);
            else if (cp == '\t') sb.Append("\\t");
            else if (cp == '\n') sb.Append("\\n");
            else if (cp == '\r') sb.Append("\\r");
            else if (cp < 0x20 || cp == 0x7f) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp < 0x7f || IsPrintable(cp)) AppendCodePoint(sb, cp);
            else if (cp <= 0xff) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp <= 0xffff) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        return sb.Append(quote).ToString();
    }

    static bool IsPrintable(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF) return false;
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    public static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp < 0x10000) sb.Append((char)cp);
        else sb.Append(char.ConvertFromUtf32(cp));
    }
}

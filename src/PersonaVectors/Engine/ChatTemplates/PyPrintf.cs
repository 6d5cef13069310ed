using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python's printf-style <c>str % args</c> (also behind the <c>format</c> filter) for the conversions s, r, d, i, u,
/// x, X, o, c, f, F, e, E and %, with flags, width, precision and %(key)s mapping keys; g/G and * widths are rejected.
/// </summary>
internal static class PyPrintf
{
    public static string Format(string format, object? args)
    {
        var values = args is PyList { IsTuple: true } tuple ? tuple.ToList() : [args];
        // Python treats any non-tuple, non-str argument with __getitem__ as a mapping and then tolerates unused arguments.
        bool mappingLike = args is PyDict or Undefined || args is PyList { IsTuple: false };
        int next = 0;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') { sb.Append(format[i]); continue; }
            if (++i >= format.Length) throw new JinjaError("incomplete format");
            object? value = ArgBinder.Missing;
            if (format[i] == '(')
            {
                int depth = 1, start = i + 1;
                while (++i < format.Length && depth > 0)
                {
                    if (format[i] == '(') depth++;
                    else if (format[i] == ')') depth--;
                }
                if (depth > 0) throw new JinjaError("incomplete format key");
                string key = format[start..(i - 1)];
                if (args is not PyDict dict) throw new JinjaError("format requires a mapping");
                if (!dict.TryGet(key, out value)) throw new JinjaError($"KeyError: {PyText.Repr(key)}");
            }
            string flags = "";
            while (i < format.Length && format[i] is '-' or '+' or ' ' or '0' or '#') flags += format[i++];
            int width = ReadNumber(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i);
            }
            while (i < format.Length && format[i] is 'h' or 'l' or 'L') i++;
            if (i >= format.Length) throw new JinjaError("incomplete format");
            char conversion = format[i];
            if (conversion == '%') { sb.Append('%'); continue; }
            if (value.IsMissing())
            {
                if (next >= values.Count) throw new JinjaError("not enough arguments for format string");
                value = values[next++];
            }
            sb.Append(Convert(value, conversion, flags, width, precision));
        }
        if (next < values.Count && !mappingLike) throw new JinjaError("not all arguments converted during string formatting");
        return sb.ToString();
    }

    static int ReadNumber(string s, ref int i)
    {
        if (i < s.Length && s[i] == '*') throw new JinjaError("'*' widths in printf formats are not supported by this chat template engine");
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i > start ? int.Parse(s[start..i], CultureInfo.InvariantCulture) : 0;
    }

    static string Convert(object? value, char conversion, string flags, int width, int? precision)
    {
        bool left = flags.Contains('-');
        switch (conversion)
        {
            case 's' or 'r':
                {
                    string text = conversion == 's' ? PyText.Str(value) : PyText.Repr(value);
                    if (precision is { } p && PyString.Length(text) > p) text = PyString.FromCodePoints(PyString.CodePoints(text)[..p]);
                    return Pad(text, "", width, left, zero: false);
                }
            case 'c':
                {
                    string text = value switch
                    {
                        long l when l is >= 0 and <= 0x10FFFF => PyString.FromCodePoints([(int)l]),
                        string s when PyString.Length(s) == 1 => s,
                        _ => throw new JinjaError("%c requires int or char"),
                    };
                    return Pad(text, "", width, left, zero: false);
                }
            case 'd' or 'i' or 'u' or 'x' or 'X' or 'o':
                {
                    long n = value switch
                    {
                        long l => l,
                        bool b => b ? 1 : 0,
                        double d when conversion is 'd' or 'i' or 'u' && double.IsFinite(d) => (long)Math.Truncate(d),
                        Undefined u => throw u.Error(),
                        _ => throw new JinjaError($"%{conversion} format: {(conversion is 'd' or 'i' or 'u' ? "a real number" : "an integer")} is required, not {PyText.TypeName(value)}"),
                    };
                    ulong magnitude = n < 0 ? (ulong)(-(n + 1)) + 1 : (ulong)n;
                    string digits = conversion switch
                    {
                        'x' => magnitude.ToString("x", CultureInfo.InvariantCulture),
                        'X' => magnitude.ToString("X", CultureInfo.InvariantCulture),
                        'o' => Octal(magnitude),
                        _ => magnitude.ToString(CultureInfo.InvariantCulture),
                    };
                    if (precision is { } p && digits.Length < p) digits = new string('0', p - digits.Length) + digits;
                    if (flags.Contains('#') && conversion is 'x' or 'X' or 'o') digits = (conversion == 'o' ? "0o" : conversion == 'x' ? "0x" : "0X") + digits;
                    return Pad(digits, Sign(n < 0, flags), width, left, zero: flags.Contains('0'));
                }
            case 'f' or 'F' or 'e' or 'E':
                {
                    double d = value switch
                    {
                        double x => x,
                        long l => l,
                        bool b => b ? 1 : 0,
                        Undefined u => throw u.Error(),
                        _ => throw new JinjaError($"must be real number, not {PyText.TypeName(value)}"),
                    };
                    string body = PyFormat.FormatValue(Math.Abs(d), "." + (precision ?? 6) + conversion);
                    return Pad(body, Sign(double.IsNegative(d) && !double.IsNaN(d), flags), width, left, zero: flags.Contains('0') && double.IsFinite(d));
                }
            default:
                throw new JinjaError($"printf conversion '%{conversion}' is not supported by this chat template engine");
        }
    }

    static string Octal(ulong value)
    {
        var sb = new StringBuilder();
        do { sb.Insert(0, (char)('0' + (int)(value % 8))); value /= 8; } while (value > 0);
        return sb.ToString();
    }

    static string Sign(bool negative, string flags) => negative ? "-" : flags.Contains('+') ? "+" : flags.Contains(' ') ? " " : "";

    static string Pad(string body, string sign, int width, bool left, bool zero)
    {
        int length = PyString.Length(body) + sign.Length;
        if (width <= length) return sign + body;
        string fill = new(zero && !left ? '0' : ' ', width - length);
        return left ? sign + body + fill : zero ? sign + fill + body : fill + sign + body;
    }
}

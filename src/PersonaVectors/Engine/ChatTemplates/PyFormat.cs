using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python's <c>str.format</c> (as Jinja's sandboxed formatter runs it) with the common part of the format-spec
/// mini-language; specs outside that part are rejected rather than approximated.
/// </summary>
internal static class PyFormat
{
    public static string Format(string format, CallArgs args)
    {
        var sb = new StringBuilder();
        int autoIndex = 0;
        bool usedAuto = false, usedManual = false;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i++; continue; }
                throw new JinjaError("Single '}' encountered in format string");
            }
            if (c != '{') { sb.Append(c); continue; }
            if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }

            int depth = 1, j = i + 1;
            for (; j < format.Length && depth > 0; j++)
            {
                if (format[j] == '{') depth++;
                else if (format[j] == '}') depth--;
            }
            if (depth > 0) throw new JinjaError("expected '}' before end of string");
            string field = format[(i + 1)..(j - 1)];
            i = j - 1;

            int bracket = 0, split = field.Length;
            for (int k = 0; k < field.Length; k++)
            {
                if (field[k] == '[') bracket++;
                else if (field[k] == ']') bracket--;
                else if (bracket == 0 && field[k] is '!' or ':') { split = k; break; }
            }
            string name = field[..split];
            char conversion = '\0';
            string spec = "";
            string rest = field[split..];
            if (rest.StartsWith('!'))
            {
                if (rest.Length < 2 || (rest.Length > 2 && rest[2] != ':'))
                    throw new JinjaError("expected ':' after conversion specifier");
                conversion = rest[1];
                rest = rest[2..];
            }
            if (rest.StartsWith(':')) spec = rest[1..];
            if (spec.Contains('{')) throw new JinjaError("nested replacement fields in format specs are not supported by this chat template engine");

            object? value = ResolveField(name, args, ref autoIndex, ref usedAuto, ref usedManual);
            value = conversion switch
            {
                '\0' => value,
                's' => PyText.Str(value),
                'r' => PyText.Repr(value),
                'a' => throw new JinjaError("the !a conversion is not supported by this chat template engine"),
                _ => throw new JinjaError($"Unknown conversion specifier {conversion}"),
            };
            sb.Append(FormatValue(value, spec));
        }
        return sb.ToString();
    }

    static object? ResolveField(string field, CallArgs args, ref int autoIndex, ref bool usedAuto, ref bool usedManual)
    {
        int end = field.IndexOfAny(['.', '[']);
        string first = end < 0 ? field : field[..end];
        object? value;
        if (first.Length == 0 || first.All(char.IsAsciiDigit))
        {
            int index;
            if (first.Length == 0)
            {
                if (usedManual) throw new JinjaError("cannot switch from manual field specification to automatic field numbering");
                usedAuto = true;
                index = autoIndex++;
            }
            else
            {
                if (usedAuto) throw new JinjaError("cannot switch from automatic field numbering to manual field specification");
                usedManual = true;
                index = int.Parse(first, CultureInfo.InvariantCulture);
            }
            if (index >= args.Positional.Count)
                throw new JinjaError($"Replacement index {index} out of range for positional args tuple");
            value = args.Positional[index];
        }
        else
        {
            var match = args.Named.FirstOrDefault(kv => kv.Key == first);
            if (match.Key is null) throw new JinjaError($"'{first}' (missing keyword argument to format)");
            value = match.Value;
        }
        int pos = end < 0 ? field.Length : end;
        while (pos < field.Length)
        {
            if (field[pos] == '.')
            {
                int next = field.IndexOfAny(['.', '['], pos + 1);
                if (next < 0) next = field.Length;
                value = PyMembers.GetAttr(value, field[(pos + 1)..next]);
                pos = next;
            }
            else
            {
                int close = field.IndexOf(']', pos);
                if (close < 0) throw new JinjaError("Missing ']' in format string");
                string key = field[(pos + 1)..close];
                value = PyMembers.GetItem(value, key.Length > 0 && key.All(char.IsAsciiDigit) ? long.Parse(key, CultureInfo.InvariantCulture) : key);
                pos = close + 1;
            }
        }
        return value;
    }

    static JinjaError Unsupported(string spec) => new($"format spec '{spec}' is not supported by this chat template engine");

    public static string FormatValue(object? value, string spec)
    {
        if (spec.Length == 0) return PyText.Str(value);
        if (value is Undefined) throw new JinjaError("unsupported format string passed to Undefined.__format__");

        int i = 0;
        char fill = ' ', align = '\0';
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=') { fill = spec[0]; align = spec[1]; i = 2; }
        else if (spec[0] is '<' or '>' or '^' or '=') { align = spec[0]; i = 1; }
        char sign = '\0';
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') sign = spec[i++];
        if (i < spec.Length && spec[i] is 'z' or '#') throw Unsupported(spec);
        if (i < spec.Length && spec[i] == '0')
        {
            if (align == '\0') { fill = '0'; align = '='; }
            i++;
        }
        int start = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
        int width = i > start ? int.Parse(spec[start..i], CultureInfo.InvariantCulture) : 0;
        if (i < spec.Length && spec[i] is ',' or '_') throw Unsupported(spec);
        int? precision = null;
        if (i < spec.Length && spec[i] == '.')
        {
            int p = ++i;
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
            if (i == p) throw new JinjaError("Format specifier missing precision");
            precision = int.Parse(spec[p..i], CultureInfo.InvariantCulture);
        }
        char type = i < spec.Length ? spec[i++] : '\0';
        if (i < spec.Length) throw new JinjaError($"Invalid format specifier '{spec}'");

        string body;
        bool numeric = value is long or bool or double;
        bool negative = false;
        switch (value)
        {
            case string or Markup:
                if (type is not ('\0' or 's') || sign != '\0' || align == '=') throw new JinjaError($"Unknown format code '{type}' for object of type 'str'");
                body = PyText.Str(value);
                if (precision is { } p && PyString.Length(body) > p) body = PyString.FromCodePoints(PyString.CodePoints(body)[..p]);
                break;
            case long or bool when type is '\0' or 'd':
                {
                    long n = value is bool b ? (b ? 1 : 0) : (long)value;
                    if (precision is not null) throw new JinjaError("Precision not allowed in integer format specifier");
                    negative = n < 0;
                    body = Math.Abs((decimal)n).ToString(CultureInfo.InvariantCulture);
                    break;
                }
            case long or bool or double when type is 'f' or 'F' or 'e' or 'E' or '%' || (value is double && type == '\0' && precision is null):
                {
                    double d = value switch { double x => x, bool b => b ? 1 : 0, _ => (long)value };
                    negative = d < 0 || (d == 0 && double.IsNegative(d));
                    double a = Math.Abs(d);
                    int digits = precision ?? 6;
                    body = type switch
                    {
                        '\0' => PyText.FloatRepr(a),
                        'f' or 'F' => double.IsFinite(a) ? a.ToString("F" + digits, CultureInfo.InvariantCulture) : NonFinite(a, type == 'F'),
                        '%' => double.IsFinite(a) ? (a * 100).ToString("F" + digits, CultureInfo.InvariantCulture) + "%" : NonFinite(a, false) + "%",
                        _ => double.IsFinite(a) ? Exponent(a, digits, type == 'E') : NonFinite(a, type == 'E'),
                    };
                    break;
                }
            default:
                throw Unsupported(spec);
        }

        string signText = numeric ? (negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "") : "";
        if (align == '\0') align = numeric ? '>' : '<';
        int len = PyString.Length(body) + signText.Length;
        if (width <= len) return signText + body;
        string pad(int n) => new(fill, n);
        int margin = width - len;
        return align switch
        {
            '<' => signText + body + pad(margin),
            '>' => pad(margin) + signText + body,
            '=' => signText + pad(margin) + body,
            _ => pad(margin / 2) + signText + body + pad(margin - margin / 2),
        };
    }

    static string NonFinite(double a, bool upper) => double.IsNaN(a) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");

    static string Exponent(double a, int precision, bool upper)
    {
        string s = a.ToString((upper ? "E" : "e") + precision, CultureInfo.InvariantCulture);
        // .NET writes three exponent digits (1.5e+003); Python writes at least two.
        int e = s.IndexOfAny(['e', 'E']);
        string mantissa = s[..e];
        int exponent = int.Parse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return mantissa + s[e] + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }
}

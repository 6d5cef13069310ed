using System.Globalization;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>The methods of Python's str that templates call (<c>content.strip()</c>, <c>role.startswith('x')</c>, ...).</summary>
internal static class PyStringMethods
{
    /// <summary>Every attribute of Python 3.11's str, so that an unimplemented one fails loudly instead of being undefined.</summary>
    static readonly HashSet<string> AllStrAttributes =
    [
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
        "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill",
    ];

    public static object? Get(string s, string name)
    {
        Func<CallArgs, object?>? body = name switch
        {
            "upper" => a => NoArgs(a, name, PyString.Upper(s)),
            "lower" => a => NoArgs(a, name, PyString.Lower(s)),
            "title" => a => NoArgs(a, name, PyString.Title(s)),
            "capitalize" => a => NoArgs(a, name, PyString.Capitalize(s)),
            "swapcase" => a => NoArgs(a, name, PyString.SwapCase(s)),
            "strip" => a => PyString.Strip(s, OptionalStr(a, name), true, true),
            "lstrip" => a => PyString.Strip(s, OptionalStr(a, name), true, false),
            "rstrip" => a => PyString.Strip(s, OptionalStr(a, name), false, true),
            "split" => a => SplitCall(s, a, name, reverse: false),
            "rsplit" => a => SplitCall(s, a, name, reverse: true),
            "splitlines" => a =>
            {
                var p = ArgBinder.Bind(name, a, "keepends");
                return new PyList(PyString.SplitLines(s, PyOps.Truthy(p[0].Or(false))).Cast<object?>().ToArray());
            }
            ,
            "startswith" => a => Affix(s, a, name, start: true),
            "endswith" => a => Affix(s, a, name, start: false),
            "replace" => a =>
            {
                var p = PyMembers.Positional(a, name, 2, 3);
                return PyString.Replace(s, Str(p[0], name), Str(p[1], name), p.Length > 2 ? Int(p[2], name) : -1);
            }
            ,
            "find" => a => Find(s, a, name, reverse: false, raise: false),
            "rfind" => a => Find(s, a, name, reverse: true, raise: false),
            "index" => a => Find(s, a, name, reverse: false, raise: true),
            "rindex" => a => Find(s, a, name, reverse: true, raise: true),
            "count" => a =>
            {
                var p = PyMembers.Positional(a, name, 1, 3);
                string sub = Str(p[0], name);
                var (window, offset) = Range(s, p, name);
                return offset < 0 ? 0L : PyString.Count(window, sub);
            }
            ,
            "join" => a =>
            {
                var p = PyMembers.Positional(a, name, 1, 1);
                var parts = PyOps.Iterate(p[0]).Select((item, i) => item switch
                {
                    string str => str,
                    Markup m => m.Value,
                    _ => throw new JinjaError($"sequence item {i}: expected str instance, {PyText.TypeName(item)} found"),
                });
                return string.Join(s, parts);
            }
            ,
            "center" or "ljust" or "rjust" => a =>
            {
                var p = PyMembers.Positional(a, name, 1, 2);
                string fill = p.Length > 1 ? Str(p[1], name) : " ";
                if (PyString.Length(fill) != 1) throw new JinjaError("The fill character must be exactly one character long");
                return PyString.Pad(s, Int(p[0], name), fill, name switch { "center" => '^', "ljust" => '<', _ => '>' });
            }
            ,
            "zfill" => a => ZFill(s, Int(PyMembers.Positional(a, name, 1, 1)[0], name)),
            "partition" => a => Partition(s, Str(PyMembers.Positional(a, name, 1, 1)[0], name), reverse: false),
            "rpartition" => a => Partition(s, Str(PyMembers.Positional(a, name, 1, 1)[0], name), reverse: true),
            "removeprefix" => a =>
            {
                string prefix = Str(PyMembers.Positional(a, name, 1, 1)[0], name);
                return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
            }
            ,
            "removesuffix" => a =>
            {
                string suffix = Str(PyMembers.Positional(a, name, 1, 1)[0], name);
                return suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
            }
            ,
            "format" => a => PyFormat.Format(s, a),
            "isspace" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(PyString.IsSpace)),
            "isalpha" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(IsAlpha)),
            "isdecimal" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(IsDecimal)),
            "isdigit" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(IsDigit)),
            "isnumeric" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(IsNumeric)),
            "isalnum" => a => NoArgs(a, name, s.Length > 0 && PyString.CodePoints(s).All(c => IsAlpha(c) || IsNumeric(c))),
            "isascii" => a => NoArgs(a, name, s.All(c => c < 128)),
            "islower" => a => NoArgs(a, name, PyString.IsLower(s)),
            "isupper" => a => NoArgs(a, name, PyString.IsUpper(s)),
            _ => null,
        };
        if (body is not null) return new BuiltinFunction(name, body);
        if (AllStrAttributes.Contains(name)) throw new JinjaError($"str.{name} is not supported by this chat template engine");
        return null;
    }

    static object NoArgs(CallArgs a, string name, object result)
    {
        PyMembers.NoArgs(a, name);
        return result;
    }

    static string Str(object? v, string name) => v switch
    {
        string s => s,
        Markup m => m.Value,
        _ => throw new JinjaError($"{name}() argument must be str, not {PyText.TypeName(v)}"),
    };

    static long Int(object? v, string name) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new JinjaError($"'{PyText.TypeName(v)}' object cannot be interpreted as an integer (in {name}())"),
    };

    static string? OptionalStr(CallArgs a, string name)
    {
        var p = PyMembers.Positional(a, name, 0, 1);
        return p.Length == 0 || p[0] is null ? null : Str(p[0], name);
    }

    static PyList SplitCall(string s, CallArgs a, string name, bool reverse)
    {
        var p = ArgBinder.Bind(name, a, "sep", "maxsplit");
        object? sep = p[0].Or(null);
        string? separator = sep is null ? null : Str(sep, name);
        long max = Int(p[1].Or(-1L), name);
        return reverse ? PyString.RSplit(s, separator, max) : PyString.Split(s, separator, max);
    }

    /// <summary>s[start:end] for the optional start/end arguments of find, count, startswith and endswith.</summary>
    /// <remarks>Offset is -1 when start lies beyond the end, where Python finds nothing, not even "".</remarks>
    static (string Window, int Offset) Range(string s, object?[] p, string name)
    {
        int[] cps = PyString.CodePoints(s);
        int len = cps.Length;
        long start = p.Length > 1 && p[1] is not null ? Int(p[1], name) : 0;
        long end = p.Length > 2 && p[2] is not null ? Int(p[2], name) : len;
        if (end > len) end = len;
        else if (end < 0) end = Math.Max(0, end + len);
        if (start < 0) start = Math.Max(0, start + len);
        if (start > len) return ("", -1);
        string window = start >= end ? "" : PyString.FromCodePoints(cps[(int)start..(int)end]);
        return (window, (int)start);
    }

    static object Find(string s, CallArgs a, string name, bool reverse, bool raise)
    {
        var p = PyMembers.Positional(a, name, 1, 3);
        string sub = Str(p[0], name);
        var (window, offset) = Range(s, p, name);
        int at = offset < 0 ? -1 : reverse ? window.LastIndexOf(sub, StringComparison.Ordinal) : window.IndexOf(sub, StringComparison.Ordinal);
        if (offset >= 0 && sub.Length == 0) at = reverse ? window.Length : 0;
        if (at < 0)
        {
            if (raise) throw new JinjaError("substring not found");
            return -1L;
        }
        return (long)(offset + PyString.CodePointIndex(window, at));
    }

    static bool Affix(string s, CallArgs a, string name, bool start)
    {
        var p = PyMembers.Positional(a, name, 1, 3);
        var (window, offset) = Range(s, p, name);
        var candidates = p[0] is PyList { IsTuple: true } tuple
            ? tuple.Select(x => Str(x, name)).ToList()
            : p[0] is string or Markup ? [Str(p[0], name)]
            : throw new JinjaError($"{name} first arg must be str or a tuple of str, not {PyText.TypeName(p[0])}");
        if (offset < 0) return false;
        return candidates.Any(c => start ? window.StartsWith(c, StringComparison.Ordinal) : window.EndsWith(c, StringComparison.Ordinal));
    }

    static string ZFill(string s, long width)
    {
        int len = PyString.Length(s);
        if (width <= len) return s;
        string zeros = new('0', (int)(width - len));
        return s.Length > 0 && s[0] is '+' or '-' ? s[0] + zeros + s[1..] : zeros + s;
    }

    static PyList Partition(string s, string sep, bool reverse)
    {
        if (sep.Length == 0) throw new JinjaError("empty separator");
        int at = reverse ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (at < 0) return reverse ? PyList.Tuple("", "", s) : PyList.Tuple(s, "", "");
        return PyList.Tuple(s[..at], sep, s[(at + sep.Length)..]);
    }

    static bool IsAlpha(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    static bool IsDecimal(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.DecimalDigitNumber;

    static bool IsDigit(int cp) => IsDecimal(cp) || (cp < 0x10000 && CharUnicodeInfo.GetDigitValue((char)cp) >= 0);

    static bool IsNumeric(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}

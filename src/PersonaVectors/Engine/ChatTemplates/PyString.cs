using System.Globalization;
using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Python str algorithms. Python indexes strings by code point, .NET by UTF-16 unit, so anything that counts or
/// slices goes through code points to stay identical for text outside the BMP (emoji).
/// </summary>
internal static class PyString
{
    public static int[] CodePoints(string s)
    {
        var cps = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cps.Add(char.ConvertToUtf32(c, s[i + 1]));
                i++;
            }
            else cps.Add(c);
        }
        return [.. cps];
    }

    public static string FromCodePoints(IEnumerable<int> cps)
    {
        var sb = new StringBuilder();
        foreach (int cp in cps) PyText.AppendCodePoint(sb, cp);
        return sb.ToString();
    }

    static bool HasSurrogates(string s)
    {
        foreach (char c in s) if (char.IsSurrogate(c)) return true;
        return false;
    }

    public static int Length(string s) => HasSurrogates(s) ? CodePoints(s).Length : s.Length;

    /// <summary>UTF-16 offset to code point offset, for str.find and friends.</summary>
    public static int CodePointIndex(string s, int utf16Index) =>
        utf16Index < 0 ? -1 : Length(s[..utf16Index]);

    /// <summary>The characters Python's str.isspace() accepts; .NET's IsWhiteSpace lacks U+001C..U+001F.</summary>
    public static bool IsSpace(int cp) => cp is >= 0x1c and <= 0x1f || (cp < 0x10000 && char.IsWhiteSpace((char)cp));

    public static bool IsLineBreak(int cp) =>
        cp is '\n' or '\r' or 0x0b or 0x0c or 0x1c or 0x1d or 0x1e or 0x85 or 0x2028 or 0x2029;

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int[] cps = CodePoints(s);
        HashSet<int>? set = chars is null ? null : [.. CodePoints(chars)];
        bool Strippable(int cp) => set is null ? IsSpace(cp) : set.Contains(cp);
        int start = 0, end = cps.Length;
        if (left) while (start < end && Strippable(cps[start])) start++;
        if (right) while (end > start && Strippable(cps[end - 1])) end--;
        return FromCodePoints(cps[start..end]);
    }

    /// <summary>Trailing whitespace removal as str.rstrip() does it, used by the lexer for <c>{%-</c>.</summary>
    public static string RStripSpace(string s) => Strip(s, null, left: false, right: true);

    public static PyList Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            int[] cps = CodePoints(s);
            int i = 0;
            while (true)
            {
                while (i < cps.Length && IsSpace(cps[i])) i++;
                if (i >= cps.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    // Once maxsplit is reached the rest is kept as is, trailing whitespace included.
                    parts.Add(FromCodePoints(cps[i..]));
                    break;
                }
                int j = i;
                while (j < cps.Length && !IsSpace(cps[j])) j++;
                parts.Add(FromCodePoints(cps[i..j]));
                i = j;
            }
            return new PyList(parts);
        }
        if (sep.Length == 0) throw new JinjaError("empty separator");
        int pos = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int at = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[pos..at]);
            pos = at + sep.Length;
        }
        parts.Add(s[pos..]);
        return new PyList(parts);
    }

    public static PyList RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, maxSplit);
        var parts = new List<object?>();
        if (sep is null)
        {
            int[] cps = CodePoints(s);
            int i = cps.Length;
            while (true)
            {
                while (i > 0 && IsSpace(cps[i - 1])) i--;
                if (i <= 0) break;
                if (parts.Count == maxSplit)
                {
                    parts.Add(FromCodePoints(cps[..i]));
                    break;
                }
                int j = i;
                while (j > 0 && !IsSpace(cps[j - 1])) j--;
                parts.Add(FromCodePoints(cps[j..i]));
                i = j;
            }
        }
        else
        {
            if (sep.Length == 0) throw new JinjaError("empty separator");
            int end = s.Length;
            while (parts.Count < maxSplit)
            {
                int at = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
                if (at < 0 || at + sep.Length > end) break;
                parts.Add(s[(at + sep.Length)..end]);
                end = at;
            }
            parts.Add(s[..end]);
        }
        parts.Reverse();
        return new PyList(parts);
    }

    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        int[] cps = CodePoints(s);
        int start = 0, i = 0;
        while (i < cps.Length)
        {
            if (!IsLineBreak(cps[i])) { i++; continue; }
            int eol = i;
            i += cps[i] == '\r' && i + 1 < cps.Length && cps[i + 1] == '\n' ? 2 : 1;
            lines.Add(FromCodePoints(cps[start..(keepEnds ? i : eol)]));
            start = i;
        }
        if (start < cps.Length) lines.Add(FromCodePoints(cps[start..]));
        return lines;
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count == 0) return s;
        if (old.Length == 0)
        {
            // Python inserts the replacement before every code point and at the end.
            int[] cps = CodePoints(s);
            var sb = new StringBuilder();
            long done = 0;
            for (int i = 0; i <= cps.Length; i++)
            {
                if (count < 0 || done < count) { sb.Append(replacement); done++; }
                if (i < cps.Length) PyText.AppendCodePoint(sb, cps[i]);
            }
            return sb.ToString();
        }
        if (count < 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var result = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0) break;
            result.Append(s, pos, at - pos).Append(replacement);
            pos = at + old.Length;
        }
        return result.Append(s, pos, s.Length - pos).ToString();
    }

    public static long Count(string s, string sub)
    {
        if (sub.Length == 0) return Length(s) + 1;
        long n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    // Python uses full Unicode case mappings; .NET only simple ones. These are the mappings that differ for
    // characters likely to appear in chat text (German sharp s, Latin ligatures, dotted capital I).
    static readonly Dictionary<int, string> UpperSpecial = new()
    {
        [0xDF] = "SS",
        [0xFB00] = "FF",
        [0xFB01] = "FI",
        [0xFB02] = "FL",
        [0xFB03] = "FFI",
        [0xFB04] = "FFL",
        [0xFB05] = "ST",
        [0xFB06] = "ST",
        [0x149] = "\u02BCN",
    };
    static readonly Dictionary<int, string> TitleSpecial = new()
    {
        [0xDF] = "Ss",
        [0xFB00] = "Ff",
        [0xFB01] = "Fi",
        [0xFB02] = "Fl",
        [0xFB03] = "Ffi",
        [0xFB04] = "Ffl",
        [0xFB05] = "St",
        [0xFB06] = "St",
        [0x149] = "\u02BCN",
    };

    static string CaseMap(int cp, bool upper)
    {
        if (upper && UpperSpecial.TryGetValue(cp, out var u)) return u;
        if (!upper && cp == 0x130) return "i\u0307";
        string s = cp < 0x10000 ? ((char)cp).ToString() : char.ConvertFromUtf32(cp);
        return upper ? s.ToUpperInvariant() : s.ToLowerInvariant();
    }

    static string TitleMap(int cp) => TitleSpecial.TryGetValue(cp, out var t) ? t : CaseMap(cp, upper: true);

    static bool IsCased(int cp)
    {
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;
    }

    public static string Upper(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (int cp in CodePoints(s)) sb.Append(CaseMap(cp, upper: true));
        return sb.ToString();
    }

    public static string Lower(string s)
    {
        int[] cps = CodePoints(s);
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < cps.Length; i++)
        {
            // Final sigma: a capital sigma that ends a word lowercases to ς.
            if (cps[i] == 0x3A3 && i > 0 && IsCased(cps[i - 1]) && (i + 1 >= cps.Length || !IsCased(cps[i + 1]))) sb.Append('\u03C2');
            else sb.Append(CaseMap(cps[i], upper: false));
        }
        return sb.ToString();
    }

    /// <summary>str.capitalize: first code point in title case, the rest lower.</summary>
    public static string Capitalize(string s)
    {
        int[] cps = CodePoints(s);
        if (cps.Length == 0) return s;
        return TitleMap(cps[0]) + Lower(FromCodePoints(cps[1..]));
    }

    /// <summary>str.title: a cased character after an uncased one starts a word.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (int cp in CodePoints(s))
        {
            sb.Append(previousCased ? CaseMap(cp, upper: false) : TitleMap(cp));
            previousCased = IsCased(cp);
        }
        return sb.ToString();
    }

    public static string SwapCase(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (int cp in CodePoints(s))
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
            sb.Append(cat == UnicodeCategory.UppercaseLetter ? CaseMap(cp, false)
                : cat == UnicodeCategory.LowercaseLetter ? CaseMap(cp, true)
                : FromCodePoints([cp]));
        }
        return sb.ToString();
    }

    /// <summary>Python's islower/isupper: at least one cased character and none of the other case.</summary>
    public static bool IsLower(string s) => HasCase(s, UnicodeCategory.LowercaseLetter, UnicodeCategory.UppercaseLetter);
    public static bool IsUpper(string s) => HasCase(s, UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter);

    static bool HasCase(string s, UnicodeCategory wanted, UnicodeCategory other)
    {
        bool any = false;
        foreach (int cp in CodePoints(s))
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
            if (cat == other || cat == UnicodeCategory.TitlecaseLetter) return false;
            if (cat == wanted) any = true;
        }
        return any;
    }

    public static string Pad(string s, long width, string fill, char align)
    {
        int len = Length(s);
        if (width <= len) return s;
        long margin = width - len;
        long left = align switch
        {
            '<' => 0,
            '>' => margin,
            _ => margin / 2 + (margin & width & 1),
        };
        var sb = new StringBuilder();
        for (long i = 0; i < left; i++) sb.Append(fill);
        sb.Append(s);
        for (long i = 0; i < margin - left; i++) sb.Append(fill);
        return sb.ToString();
    }

    /// <summary>Python's \w: letters, digits (any numeric) and underscore.</summary>
    public static bool IsWordChar(int cp)
    {
        if (cp == '_') return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }
}

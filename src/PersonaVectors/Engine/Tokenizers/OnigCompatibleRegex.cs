using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// Runs a pre-tokenizer pattern written for Oniguruma (what Hugging Face's tokenizers uses) on .NET's
/// regex engine. The two agree on the syntax real tokenizer.json files use (<c>\p{L}</c>, <c>\p{N}</c>,
/// <c>(?i:...)</c>, lookahead), but .NET matches UTF-16 code units: a character outside the BMP (emoji,
/// CJK extension B, mathematical letters) is two surrogates whose category is <c>Cs</c>, so <c>\p{L}+</c>
/// would not see 𝐀 as a letter. Such text is matched on a stand-in string in which every astral code point
/// is replaced by one BMP character of the same Unicode general category, and match positions are mapped back.
/// </summary>
internal sealed class OnigCompatibleRegex
{
    readonly Regex _regex;

    public OnigCompatibleRegex(string pattern, bool isRegex)
    {
        Pattern = pattern;
        IsRegex = isRegex;
        // Oniguruma's Ruby syntax treats ^ and $ as line anchors, as Multiline does in .NET.
        _regex = new Regex(isRegex ? pattern : Regex.Escape(pattern),
            RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.Multiline);
    }

    /// <summary>The pattern as written in tokenizer.json.</summary>
    public string Pattern { get; }

    /// <summary>False when the pattern is a literal string (HF's <c>{"String": ...}</c>).</summary>
    public bool IsRegex { get; }

    /// <summary>Appends the [start, end) ranges of all non-overlapping matches in <paramref name="text"/>.</summary>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var m in _regex.EnumerateMatches(text))
                matches.Add((m.Index, m.Index + m.Length));
            return;
        }

        var (mapped, toOriginal) = MapAstral(text);
        foreach (var m in _regex.EnumerateMatches(mapped))
            matches.Add((toOriginal[m.Index], toOriginal[m.Index + m.Length]));
    }

    /// <summary>Replaces every match with <paramref name="replacement"/> (taken literally).</summary>
    public string Replace(string text, string replacement)
    {
        var ranges = new List<(int Start, int End)>();
        FindMatches(text, ranges);
        if (ranges.Count == 0) return text;
        var sb = new StringBuilder(text.Length + ranges.Count * replacement.Length);
        int prev = 0;
        foreach (var (s, e) in ranges)
        {
            sb.Append(text, prev, s - prev).Append(replacement);
            prev = e;
        }
        sb.Append(text, prev, text.Length - prev);
        return sb.ToString();
    }

    static (string Mapped, int[] ToOriginal) MapAstral(string text)
    {
        var sb = new StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int cp = char.ConvertToUtf32(c, text[i + 1]);
                sb.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(cp)));
                map.Add(i);
                i += 2;
            }
            else
            {
                // Lone surrogates never reach here (Tokenizer replaces them with U+FFFD first).
                sb.Append(c);
                map.Add(i);
                i++;
            }
        }
        map.Add(text.Length);
        return (sb.ToString(), map.ToArray());
    }

    /// <summary>
    /// A BMP character of the given category that is neither ASCII nor whitespace nor a case variant of an
    /// ASCII letter, so it can only match the category classes a pattern names, never its literals.
    /// </summary>
    static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0410',
        UnicodeCategory.LowercaseLetter => '\u0430',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0301',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.SpaceSeparator => '\u2000',
        UnicodeCategory.LineSeparator => '\u2028',
        UnicodeCategory.ParagraphSeparator => '\u2029',
        UnicodeCategory.Control => '\u0080',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u203B',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20A0',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u2388',
        _ => '\u0378', // unassigned
    };
}

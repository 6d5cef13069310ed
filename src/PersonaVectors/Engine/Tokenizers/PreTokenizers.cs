using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// One piece of text on its way to the model. <see cref="AtStart"/> records whether the piece begins at
/// offset 0 of the original input, which Metaspace's <c>prepend_scheme: "first"</c> depends on.
/// </summary>
internal readonly record struct PreSplit(string Text, bool AtStart);

/// <summary>Splits (and possibly rewrites) normalized text into the words the model tokenizes separately.</summary>
internal interface IPreTokenizer
{
    /// <summary>Transforms <paramref name="input"/> into <paramref name="output"/>; empty pieces are dropped.</summary>
    void PreTokenize(List<PreSplit> input, List<PreSplit> output);

    void Write(Utf8JsonWriter w);
}

/// <summary>How a Split-style pre-tokenizer treats the matched delimiters (HF's SplitDelimiterBehavior).</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

internal static class PreTokenizers
{
    public const string Supported = "Split, ByteLevel, Metaspace, Sequence, Digits, WhitespaceSplit";

    public static IPreTokenizer Parse(JsonField f)
    {
        string type = f.TypeTag();
        switch (type)
        {
            case "Sequence":
                {
                    var list = f.Required("pretokenizers").Items().Select(Parse).ToArray();
                    return new SequencePreTokenizer(list);
                }
            case "Split":
                {
                    var patternField = f.Required("pattern");
                    var (isRegex, text) = patternField.GetPattern();
                    var behavior = ParseBehavior(f.Required("behavior"));
                    bool invert = f.OptionalBool("invert", false);
                    return new SplitPreTokenizer(CompilePattern(patternField, text, isRegex), behavior, invert);
                }
            case "ByteLevel":
                return new ByteLevelPreTokenizer(
                    f.OptionalBool("add_prefix_space", true),
                    f.OptionalBool("trim_offsets", true),
                    f.OptionalBool("use_regex", true));
            case "Metaspace":
                return MetaspacePreTokenizer.Parse(f);
            case "Digits":
                return new DigitsPreTokenizer(f.OptionalBool("individual_digits", false));
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            default:
                throw f.Required("type").Error($"unsupported pre-tokenizer type \"{type}\"; supported: {Supported}");
        }
    }

    internal static OnigCompatibleRegex CompilePattern(JsonField field, string text, bool isRegex)
    {
        if (text.Length == 0)
            throw field.Error("the pattern is empty; an empty pattern matches everywhere and is not supported");
        try
        {
            return new OnigCompatibleRegex(text, isRegex);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException(field.Source, field.Path,
                $"the regular expression cannot be compiled by .NET: {e.Message}", e);
        }
    }

    static SplitBehavior ParseBehavior(JsonField f)
    {
        return f.GetString() switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            var other => throw f.Error($"unknown split behavior \"{other}\"; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous"),
        };
    }

    internal static string BehaviorName(SplitBehavior b) => b.ToString();

    /// <summary>
    /// Turns a list of [start, end) ranges flagged as delimiter matches (covering the whole text) into the
    /// pieces HF's NormalizedString::split produces for <paramref name="behavior"/>.
    /// </summary>
    internal static void ApplyBehavior(string text, bool atStart, List<(int Start, int End, bool IsMatch)> parts,
        SplitBehavior behavior, List<PreSplit> output)
    {
        var ranges = new List<(int Start, int End, bool Remove)>(parts.Count);
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var p in parts) ranges.Add((p.Start, p.End, false));
                break;
            case SplitBehavior.Removed:
                foreach (var p in parts) ranges.Add((p.Start, p.End, p.IsMatch));
                break;
            case SplitBehavior.Contiguous:
                {
                    bool previous = false;
                    foreach (var p in parts)
                    {
                        if (p.IsMatch == previous && ranges.Count > 0)
                            ranges[^1] = (ranges[^1].Start, p.End, false);
                        else
                            ranges.Add((p.Start, p.End, false));
                        previous = p.IsMatch;
                    }
                    break;
                }
            case SplitBehavior.MergedWithPrevious:
                {
                    bool previous = false;
                    foreach (var p in parts)
                    {
                        if (p.IsMatch && !previous && ranges.Count > 0)
                            ranges[^1] = (ranges[^1].Start, p.End, false);
                        else
                            ranges.Add((p.Start, p.End, false));
                        previous = p.IsMatch;
                    }
                    break;
                }
            case SplitBehavior.MergedWithNext:
                {
                    bool previous = false;
                    for (int i = parts.Count - 1; i >= 0; i--)
                    {
                        var p = parts[i];
                        if (p.IsMatch && !previous && ranges.Count > 0)
                            ranges[^1] = (p.Start, ranges[^1].End, false);
                        else
                            ranges.Add((p.Start, p.End, false));
                        previous = p.IsMatch;
                    }
                    ranges.Reverse();
                    break;
                }
        }
        foreach (var (s, e, remove) in ranges)
        {
            if (remove || e <= s) continue;
            output.Add(new PreSplit(s == 0 && e == text.Length ? text : text.Substring(s, e - s), atStart && s == 0));
        }
    }

    /// <summary>HF's Pattern::find_matches: matches and the gaps between them, in order, covering the text.</summary>
    internal static void MatchesToParts(int length, List<(int Start, int End)> matches, bool invert,
        List<(int Start, int End, bool IsMatch)> parts)
    {
        if (length == 0)
        {
            parts.Add((0, 0, invert));
            return;
        }
        int prev = 0;
        foreach (var (s, e) in matches)
        {
            if (prev != s) parts.Add((prev, s, invert));
            parts.Add((s, e, !invert));
            prev = e;
        }
        if (prev != length) parts.Add((prev, length, invert));
    }

    internal static void WriteBehavior(Utf8JsonWriter w, SplitBehavior behavior) =>
        w.WriteString("behavior", BehaviorName(behavior));
}

internal sealed class SequencePreTokenizer(IPreTokenizer[] steps) : IPreTokenizer
{
    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        var current = input;
        for (int i = 0; i < steps.Length; i++)
        {
            var next = i == steps.Length - 1 ? output : new List<PreSplit>(current.Count * 2);
            steps[i].PreTokenize(current, next);
            current = next;
        }
        if (steps.Length == 0) output.AddRange(input);
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        foreach (var s in steps) s.Write(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal sealed class SplitPreTokenizer(OnigCompatibleRegex regex, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    [ThreadStatic] static List<(int, int)>? t_matches;
    [ThreadStatic] static List<(int, int, bool)>? t_parts;

    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        var matches = t_matches ??= new List<(int, int)>();
        var parts = t_parts ??= new List<(int, int, bool)>();
        foreach (var split in input)
        {
            matches.Clear();
            parts.Clear();
            regex.FindMatches(split.Text, matches);
            PreTokenizers.MatchesToParts(split.Text.Length, matches, invert, parts);
            PreTokenizers.ApplyBehavior(split.Text, split.AtStart, parts, behavior, output);
        }
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString(regex.IsRegex ? "Regex" : "String", regex.Pattern);
        w.WriteEndObject();
        PreTokenizers.WriteBehavior(w, behavior);
        w.WriteBoolean("invert", invert);
        w.WriteEndObject();
    }
}

/// <summary>
/// GPT-2 style byte-level pre-tokenization: optionally splits with GPT-2's regex, then rewrites every piece's
/// UTF-8 bytes as <see cref="ByteLevel"/> characters so the BPE vocabulary never meets an unknown character.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IPreTokenizer
{
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    static readonly Lazy<SplitPreTokenizer> Gpt2Split =
        new(() => new SplitPreTokenizer(new OnigCompatibleRegex(Gpt2Pattern, true), SplitBehavior.Isolated, false));

    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        List<PreSplit> pieces = input;
        if (addPrefixSpace)
        {
            pieces = new List<PreSplit>(input.Count);
            foreach (var s in input)
                pieces.Add(s.Text.StartsWith(' ') ? s : s with { Text = " " + s.Text });
        }
        if (useRegex)
        {
            var split = new List<PreSplit>(pieces.Count * 4);
            Gpt2Split.Value.PreTokenize(pieces, split);
            pieces = split;
        }
        foreach (var s in pieces)
            if (s.Text.Length > 0)
                output.Add(s with { Text = ByteLevel.Encode(s.Text) });
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }
}

/// <summary>SentencePiece-style: spaces become the replacement character (▁), optionally prepended, then split before each ▁.</summary>
internal sealed class MetaspacePreTokenizer : IPreTokenizer
{
    readonly string _replacement;
    readonly string _prependScheme; // "always", "first" or "never"
    readonly bool _split;

    MetaspacePreTokenizer(string replacement, string prependScheme, bool split)
    {
        _replacement = replacement;
        _prependScheme = prependScheme;
        _split = split;
    }

    internal string Replacement => _replacement;
    internal string PrependScheme => _prependScheme;

    public static MetaspacePreTokenizer Parse(JsonField f)
    {
        var replField = f.Required("replacement");
        string replacement = replField.GetString();
        if (replacement.EnumerateRunes().Count() != 1)
            throw replField.Error("expected exactly one character");
        string scheme = "always";
        if (f.Optional("prepend_scheme") is { } ps)
        {
            scheme = ps.GetString();
            if (scheme is not ("always" or "first" or "never"))
                throw ps.Error($"unknown prepend_scheme \"{scheme}\"; expected always, first or never");
        }
        if (f.Optional("add_prefix_space") is { } aps && !aps.GetBool())
        {
            // HF rejects this even when prepend_scheme is absent, because its default is "always".
            if (scheme != "never")
                throw aps.Error($"add_prefix_space false does not match prepend_scheme \"{scheme}\"");
            scheme = "never";
        }
        return new MetaspacePreTokenizer(replacement, scheme, f.OptionalBool("split", true));
    }

    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        var parts = new List<(int, int, bool)>();
        var matches = new List<(int, int)>();
        foreach (var s in input)
        {
            string text = s.Text.Replace(" ", _replacement, StringComparison.Ordinal);
            bool prepend = _prependScheme switch
            {
                "always" => true,
                "first" => s.AtStart,
                _ => false,
            };
            if (prepend && !text.StartsWith(_replacement, StringComparison.Ordinal))
                text = _replacement + text;
            if (!_split)
            {
                if (text.Length > 0) output.Add(s with { Text = text });
                continue;
            }
            matches.Clear();
            parts.Clear();
            int i = 0;
            while ((i = text.IndexOf(_replacement, i, StringComparison.Ordinal)) >= 0)
            {
                matches.Add((i, i + _replacement.Length));
                i += _replacement.Length;
            }
            PreTokenizers.MatchesToParts(text.Length, matches, false, parts);
            PreTokenizers.ApplyBehavior(text, s.AtStart, parts, SplitBehavior.MergedWithNext, output);
        }
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Metaspace");
        w.WriteString("replacement", _replacement);
        w.WriteString("prepend_scheme", _prependScheme);
        w.WriteBoolean("split", _split);
        w.WriteEndObject();
    }
}

internal sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        var parts = new List<(int, int, bool)>();
        foreach (var s in input)
        {
            parts.Clear();
            CharClassParts(s.Text, parts);
            PreTokenizers.ApplyBehavior(s.Text, s.AtStart, parts,
                individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, output);
        }
    }

    /// <summary>Each numeric character is its own "match", as HF's char-predicate Pattern produces.</summary>
    static void CharClassParts(string text, List<(int, int, bool)> parts)
    {
        if (text.Length == 0) { parts.Add((0, 0, false)); return; }
        int last = 0;
        int i = 0;
        while (i < text.Length)
        {
            int len = char.IsSurrogatePair(text, i) ? 2 : 1;
            // Rust's char::is_numeric: general categories Nd, Nl and No.
            var cat = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text, i);
            bool numeric = cat is System.Globalization.UnicodeCategory.DecimalDigitNumber
                or System.Globalization.UnicodeCategory.LetterNumber
                or System.Globalization.UnicodeCategory.OtherNumber;
            if (numeric)
            {
                if (last < i) parts.Add((last, i, false));
                parts.Add((i, i + len, true));
                last = i + len;
            }
            i += len;
        }
        if (last < text.Length) parts.Add((last, text.Length, false));
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Digits");
        w.WriteBoolean("individual_digits", individualDigits);
        w.WriteEndObject();
    }
}

internal sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public void PreTokenize(List<PreSplit> input, List<PreSplit> output)
    {
        foreach (var s in input)
        {
            int i = 0;
            string t = s.Text;
            while (i < t.Length)
            {
                while (i < t.Length && char.IsWhiteSpace(t[i])) i++;
                int start = i;
                while (i < t.Length && !char.IsWhiteSpace(t[i])) i++;
                if (i > start) output.Add(new PreSplit(t.Substring(start, i - start), s.AtStart && start == 0));
            }
        }
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "WhitespaceSplit");
        w.WriteEndObject();
    }
}

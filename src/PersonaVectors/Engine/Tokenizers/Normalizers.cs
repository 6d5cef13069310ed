using System.Text;
using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>Rewrites text before pre-tokenization (HF normalizers, without offset tracking).</summary>
internal interface INormalizer
{
    string Normalize(string text);

    void Write(Utf8JsonWriter w);
}

internal static class Normalizers
{
    public const string Supported = "NFC, NFD, Lowercase, Prepend, Replace, Strip, StripAccents, Sequence";

    public static INormalizer Parse(JsonField f)
    {
        string type = f.TypeTag();
        switch (type)
        {
            case "Sequence":
                return new SequenceNormalizer(f.Required("normalizers").Items().Select(Parse).ToArray());
            case "NFC":
                return new UnicodeFormNormalizer(true);
            case "NFD":
                return new UnicodeFormNormalizer(false);
            case "Lowercase":
                return new LowercaseNormalizer();
            case "Prepend":
                return new PrependNormalizer(f.RequiredString("prepend"));
            case "Replace":
                {
                    var patternField = f.Required("pattern");
                    var (isRegex, text) = patternField.GetPattern();
                    return new ReplaceNormalizer(PreTokenizers.CompilePattern(patternField, text, isRegex), f.RequiredString("content"));
                }
            case "Strip":
                return new StripNormalizer(f.OptionalBool("strip_left", true), f.OptionalBool("strip_right", true));
            case "StripAccents":
                return new StripAccentsNormalizer();
            case "NFKC" or "NFKD":
                throw f.Required("type").Error(
                    $"unsupported normalizer type \"{type}\" (compatibility decomposition tables are not bundled); supported: {Supported}");
            default:
                throw f.Required("type").Error($"unsupported normalizer type \"{type}\"; supported: {Supported}");
        }
    }

    internal static void WriteType(Utf8JsonWriter w, string type)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
    }
}

internal sealed class SequenceNormalizer(INormalizer[] steps) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var s in steps) text = s.Normalize(text);
        return text;
    }

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "Sequence");
        w.WriteStartArray("normalizers");
        foreach (var s in steps) s.Write(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal sealed class UnicodeFormNormalizer(bool composed) : INormalizer
{
    public string Normalize(string text) => composed ? UnicodeNormalization.Nfc(text) : UnicodeNormalization.Nfd(text);

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, composed ? "NFC" : "NFD");
        w.WriteEndObject();
    }
}

internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text)
    {
        // Rust's char::to_lowercase uses full case mapping; the only BMP/astral letter whose lowercase
        // is longer than one code point is U+0130 (İ → i + combining dot above).
        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            if (r.Value == 0x130) sb.Append("i\u0307");
            else sb.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return sb.ToString();
    }

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "Lowercase");
        w.WriteEndObject();
    }
}

internal sealed class PrependNormalizer(string prepend) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prepend + text;

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "Prepend");
        w.WriteString("prepend", prepend);
        w.WriteEndObject();
    }
}

internal sealed class ReplaceNormalizer(OnigCompatibleRegex pattern, string content) : INormalizer
{
    public string Normalize(string text) =>
        pattern.IsRegex ? pattern.Replace(text, content) : text.Replace(pattern.Pattern, content, StringComparison.Ordinal);

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "Replace");
        w.WriteStartObject("pattern");
        w.WriteString(pattern.IsRegex ? "Regex" : "String", pattern.Pattern);
        w.WriteEndObject();
        w.WriteString("content", content);
        w.WriteEndObject();
    }
}

internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    // Metaspace's "first" scheme would see a left-stripped piece as not starting at offset 0 in HF;
    // that combination is not modelled here (no known tokenizer uses it).
    public string Normalize(string text)
    {
        var span = text.AsSpan();
        if (left) span = span.TrimStart();
        if (right) span = span.TrimEnd();
        return span.Length == text.Length ? text : span.ToString();
    }

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "Strip");
        w.WriteBoolean("strip_left", left);
        w.WriteBoolean("strip_right", right);
        w.WriteEndObject();
    }
}

internal sealed class StripAccentsNormalizer : INormalizer
{
    public string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            var cat = Rune.GetUnicodeCategory(r);
            if (cat is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark
                or System.Globalization.UnicodeCategory.EnclosingMark)
                continue;
            sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    public void Write(Utf8JsonWriter w)
    {
        Normalizers.WriteType(w, "StripAccents");
        w.WriteEndObject();
    }
}

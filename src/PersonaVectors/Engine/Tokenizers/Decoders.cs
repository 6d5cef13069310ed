using System.Text;
using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>Turns token strings back into text (HF decoders: each step maps a list of strings to a list of strings).</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);

    void Write(Utf8JsonWriter w);
}

internal static class Decoders
{
    public const string Supported = "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder, Sequence";

    /// <summary>Lenient so that invalid byte sequences become U+FFFD, matching Rust's from_utf8_lossy.</summary>
    internal static readonly UTF8Encoding LossyUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IDecoder Parse(JsonField f)
    {
        string type = f.TypeTag();
        switch (type)
        {
            case "Sequence":
                return new SequenceDecoder(f.Required("decoders").Items().Select(Parse).ToArray());
            case "ByteLevel":
                return new ByteLevelDecoder(f.OptionalBool("add_prefix_space", true), f.OptionalBool("trim_offsets", true),
                    f.OptionalBool("use_regex", true));
            case "Metaspace":
                return new MetaspaceDecoder(MetaspacePreTokenizer.Parse(f));
            case "Replace":
                {
                    var patternField = f.Required("pattern");
                    var (isRegex, text) = patternField.GetPattern();
                    return new ReplaceDecoder(PreTokenizers.CompilePattern(patternField, text, isRegex), f.RequiredString("content"));
                }
            case "ByteFallback":
                return new ByteFallbackDecoder();
            case "Fuse":
                return new FuseDecoder();
            case "Strip":
                {
                    var contentField = f.Required("content");
                    string content = contentField.GetString();
                    if (content.EnumerateRunes().Count() != 1) throw contentField.Error("expected exactly one character");
                    return new StripDecoder(content, f.OptionalInt("start", 0), f.OptionalInt("stop", 0));
                }
            case "BPEDecoder":
                return new BpeSuffixDecoder(f.OptionalString("suffix") ?? "</w>");
            default:
                throw f.Required("type").Error($"unsupported decoder type \"{type}\"; supported: {Supported}");
        }
    }
}

internal sealed class SequenceDecoder(IDecoder[] steps) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var s in steps) tokens = s.DecodeChain(tokens);
        return tokens;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        foreach (var s in steps) s.Write(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal sealed class ByteLevelDecoder(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens)
        {
            // A token containing any character outside the byte alphabet (e.g. an added token written in
            // plain Unicode) contributes its raw UTF-8 instead, as HF does.
            bool allMapped = true;
            foreach (char c in t)
                if (ByteLevel.CharToByte(c) < 0) { allMapped = false; break; }
            if (allMapped)
                foreach (char c in t) bytes.Add((byte)ByteLevel.CharToByte(c));
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(t));
        }
        return [Decoders.LossyUtf8.GetString(bytes.ToArray())];
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

internal sealed class MetaspaceDecoder(MetaspacePreTokenizer config) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            // The first token's leading ▁ was added by the pre-tokenizer, so it is dropped rather than
            // turned into a space (unless nothing was ever prepended).
            bool dropFirst = i == 0 && config.PrependScheme != "never";
            var sb = new StringBuilder(tokens[i].Length);
            foreach (Rune r in tokens[i].EnumerateRunes())
            {
                if (r.ToString() == config.Replacement)
                {
                    if (!dropFirst) sb.Append(' ');
                }
                else sb.Append(r.ToString());
            }
            result.Add(sb.ToString());
        }
        return result;
    }

    public void Write(Utf8JsonWriter w) => config.Write(w);
}

internal sealed class ReplaceDecoder(OnigCompatibleRegex pattern, string content) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var t in tokens)
            result.Add(pattern.IsRegex ? pattern.Replace(t, content) : t.Replace(pattern.Pattern, content, StringComparison.Ordinal));
        return result;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        w.WriteStartObject("pattern");
        w.WriteString(pattern.IsRegex ? "Regex" : "String", pattern.Pattern);
        w.WriteEndObject();
        w.WriteString("content", content);
        w.WriteEndObject();
    }
}

/// <summary>Reassembles runs of <c>&lt;0xNN&gt;</c> tokens into UTF-8 text; an invalid run yields one U+FFFD per byte.</summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var t in tokens)
        {
            if (TryParseByteToken(t, out byte b))
            {
                pending.Add(b);
                continue;
            }
            Flush(pending, result);
            result.Add(t);
        }
        Flush(pending, result);
        return result;
    }

    static bool TryParseByteToken(string t, out byte value)
    {
        value = 0;
        // HF checks the UTF-8 length (6) and parses characters 3..5 as hex.
        return t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
            && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier,
                System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0) return;
        try
        {
            result.Add(StrictUtf8.GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (int i = 0; i < pending.Count; i++) result.Add("\uFFFD");
        }
        pending.Clear();
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
    }
}

internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
    }
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from each token.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            var runes = t.EnumerateRunes().Select(r => r.ToString()).ToList();
            int startCut = 0;
            for (int i = 0; i < Math.Min(start, runes.Count); i++)
            {
                if (runes[i] == content) startCut = i + 1;
                else break;
            }
            int stopCut = runes.Count;
            for (int i = 0; i < Math.Min(stop, runes.Count); i++)
            {
                int index = runes.Count - i - 1;
                if (runes[index] == content) stopCut = index;
                else break;
            }
            result.Add(stopCut <= startCut ? "" : string.Concat(runes.Skip(startCut).Take(stopCut - startCut)));
        }
        return result;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Strip");
        w.WriteString("content", content);
        w.WriteNumber("start", start);
        w.WriteNumber("stop", stop);
        w.WriteEndObject();
    }
}

/// <summary>Classic BPE end-of-word suffix decoder: the suffix marks a word end and becomes a space.</summary>
internal sealed class BpeSuffixDecoder(string suffix) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
            result.Add(tokens[i].Replace(suffix, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal));
        return result;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "BPEDecoder");
        w.WriteString("suffix", suffix);
        w.WriteEndObject();
    }
}

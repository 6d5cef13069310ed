using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>Adds model-specific special tokens around an encoded sequence (HF post-processors, single sequence only).</summary>
internal interface IPostProcessor
{
    List<int> Process(List<int> ids, bool addSpecialTokens);

    void Write(Utf8JsonWriter w);
}

internal static class PostProcessors
{
    public const string Supported = "ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing, Sequence";

    public static IPostProcessor Parse(JsonField f)
    {
        string type = f.TypeTag();
        switch (type)
        {
            case "Sequence":
                return new SequencePostProcessor(f.Required("processors").Items().Select(Parse).ToArray());
            case "ByteLevel":
                // Only adjusts offsets in HF; ids pass through unchanged.
                return new ByteLevelPostProcessor(f.OptionalBool("add_prefix_space", true), f.OptionalBool("trim_offsets", true),
                    f.OptionalBool("use_regex", true));
            case "TemplateProcessing":
                return TemplatePostProcessor.Parse(f);
            case "BertProcessing":
            case "RobertaProcessing":
                return WrapPostProcessor.Parse(f);
            default:
                throw f.Required("type").Error($"unsupported post-processor type \"{type}\"; supported: {Supported}");
        }
    }
}

internal sealed class SequencePostProcessor(IPostProcessor[] steps) : IPostProcessor
{
    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        foreach (var s in steps) ids = s.Process(ids, addSpecialTokens);
        return ids;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("processors");
        foreach (var s in steps) s.Write(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal sealed class ByteLevelPostProcessor(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IPostProcessor
{
    public List<int> Process(List<int> ids, bool addSpecialTokens) => ids;

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

/// <summary>
/// HF TemplateProcessing for a single sequence: the "single" template's pieces in order, where
/// <c>$A</c> is the encoded text and each special token expands to its ids (only when special tokens are wanted).
/// </summary>
internal sealed class TemplatePostProcessor : IPostProcessor
{
    readonly List<Piece> _single;
    readonly List<Piece> _pair;
    readonly Dictionary<string, (int[] Ids, string[] Tokens)> _specials;

    readonly record struct Piece(bool IsSequence, string Id, int TypeId);

    TemplatePostProcessor(List<Piece> single, List<Piece> pair, Dictionary<string, (int[], string[])> specials)
    {
        _single = single;
        _pair = pair;
        _specials = specials;
    }

    public static TemplatePostProcessor Parse(JsonField f)
    {
        var specials = new Dictionary<string, (int[], string[])>(StringComparer.Ordinal);
        if (f.Optional("special_tokens") is { } st)
        {
            foreach (var (name, value) in st.Properties())
            {
                var ids = value.Required("ids").Items().Select(i => i.GetInt()).ToArray();
                var tokens = value.Required("tokens").Items().Select(i => i.GetString()).ToArray();
                if (ids.Length != tokens.Length) throw value.Error("\"ids\" and \"tokens\" must have the same length");
                specials[value.OptionalString("id") ?? name] = (ids, tokens);
            }
        }
        var single = ParseTemplate(f.Required("single"), specials);
        var pair = f.Optional("pair") is { } p ? ParseTemplate(p, specials) : [];
        return new TemplatePostProcessor(single, pair, specials);
    }

    static List<Piece> ParseTemplate(JsonField f, Dictionary<string, (int[], string[])> specials)
    {
        var pieces = new List<Piece>();
        if (f.Element.ValueKind == JsonValueKind.String)
        {
            foreach (var word in f.GetString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                pieces.Add(CheckPiece(f, ParseShorthand(f, word), specials));
            return pieces;
        }
        foreach (var item in f.Items())
        {
            Piece piece;
            if (item.Element.ValueKind == JsonValueKind.String)
                piece = ParseShorthand(item, item.GetString());
            else if (item.Optional("Sequence") is { } seq)
                piece = new Piece(true, seq.RequiredString("id"), seq.OptionalInt("type_id", 0));
            else if (item.Optional("SpecialToken") is { } sp)
                piece = new Piece(false, sp.RequiredString("id"), sp.OptionalInt("type_id", 0));
            else
                throw item.Error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            pieces.Add(CheckPiece(item, piece, specials));
        }
        return pieces;
    }

    static Piece CheckPiece(JsonField item, Piece piece, Dictionary<string, (int[], string[])> specials)
    {
        if (piece.IsSequence && piece.Id is not ("A" or "B"))
            throw item.Error($"unknown sequence id \"{piece.Id}\"; expected A or B");
        if (!piece.IsSequence && !specials.ContainsKey(piece.Id))
            throw item.Error($"special token \"{piece.Id}\" is not listed in special_tokens");
        return piece;
    }

    /// <summary>HF's string form: "$A", "$B:1", "$0", "[CLS]", "[SEP]:1".</summary>
    static Piece ParseShorthand(JsonField f, string s)
    {
        int typeId = 0;
        string body = s;
        int colon = s.LastIndexOf(':');
        if (colon > 0 && int.TryParse(s.AsSpan(colon + 1), out int t))
        {
            typeId = t;
            body = s[..colon];
        }
        if (body.StartsWith('$'))
        {
            string rest = body[1..];
            if (rest is "" or "A") return new Piece(true, "A", typeId);
            if (rest == "B") return new Piece(true, "B", typeId);
            if (int.TryParse(rest, out int n)) return new Piece(true, "A", n);
            throw f.Error($"cannot parse template piece \"{s}\"");
        }
        return new Piece(false, body, typeId);
    }

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        var result = new List<int>(ids.Count + 4);
        foreach (var piece in _single)
        {
            if (piece.IsSequence)
            {
                // A single-sequence template has no B; HF would fail, so refuse instead of inventing one.
                if (piece.Id != "A") throw new InvalidOperationException("the single template references sequence B");
                result.AddRange(ids);
            }
            else if (addSpecialTokens)
            {
                result.AddRange(_specials[piece.Id].Ids);
            }
        }
        return result;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "TemplateProcessing");
        WriteTemplate(w, "single", _single);
        WriteTemplate(w, "pair", _pair);
        w.WriteStartObject("special_tokens");
        foreach (var (name, (ids, tokens)) in _specials)
        {
            w.WriteStartObject(name);
            w.WriteString("id", name);
            w.WriteStartArray("ids");
            foreach (int id in ids) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            foreach (var t in tokens) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteTemplate(Utf8JsonWriter w, string name, List<Piece> pieces)
    {
        w.WriteStartArray(name);
        foreach (var p in pieces)
        {
            w.WriteStartObject();
            w.WriteStartObject(p.IsSequence ? "Sequence" : "SpecialToken");
            w.WriteString("id", p.Id);
            w.WriteNumber("type_id", p.TypeId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

/// <summary>BERT's <c>[CLS] A [SEP]</c> and RoBERTa's <c>&lt;s&gt; A &lt;/s&gt;</c> wrappers.</summary>
internal sealed class WrapPostProcessor : IPostProcessor
{
    readonly (string Token, int Id) _cls;
    readonly (string Token, int Id) _sep;
    readonly JsonElement _raw;

    WrapPostProcessor((string, int) cls, (string, int) sep, JsonElement raw)
    {
        _cls = cls;
        _sep = sep;
        _raw = raw;
    }

    public static WrapPostProcessor Parse(JsonField f)
    {
        static (string, int) Pair(JsonField p)
        {
            var items = p.Items().ToArray();
            if (items.Length != 2) throw p.Error("expected [token, id]");
            return (items[0].GetString(), items[1].GetInt());
        }
        return new WrapPostProcessor(Pair(f.Required("cls")), Pair(f.Required("sep")), f.Element.Clone());
    }

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens) return ids;
        var result = new List<int>(ids.Count + 2) { _cls.Id };
        result.AddRange(ids);
        result.Add(_sep.Id);
        return result;
    }

    public void Write(Utf8JsonWriter w) => _raw.WriteTo(w);
}

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (BPE models: byte-level like Qwen2/2.5/3, Llama 3, SmolLM2, GPT-2, or
/// SentencePiece-style with byte fallback like Llama 2 / Mistral), producing the same ids as HF's
/// <c>tokenizers</c> library. Instances are immutable and safe to use from several threads.
/// </summary>
public sealed class Tokenizer
{
    readonly INormalizer? _normalizer;
    readonly IPreTokenizer? _preTokenizer;
    readonly BpeModel _model;
    readonly IPostProcessor? _postProcessor;
    readonly IDecoder? _decoder;
    readonly AddedVocabulary _added;

    Tokenizer(INormalizer? normalizer, IPreTokenizer? preTokenizer, BpeModel model, IPostProcessor? postProcessor,
        IDecoder? decoder, AddedVocabulary added, string sourceName)
    {
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _model = model;
        _postProcessor = postProcessor;
        _decoder = decoder;
        _added = added;
        SourceName = sourceName;
        VocabSize = Math.Max(model.MaxId, added.MaxId) + 1;
        AddedTokens = added.Tokens;
    }

    /// <summary>Where this tokenizer was loaded from (used in error messages).</summary>
    public string SourceName { get; }

    /// <summary>Number of ids including added tokens: the largest id plus one.</summary>
    public int VocabSize { get; }

    /// <summary>Tokens declared in <c>added_tokens</c>, ordered by id.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Loads a <c>tokenizer.json</c> file.</summary>
    /// <exception cref="TokenizerFormatException">The file is malformed or uses an unsupported component.</exception>
    public static Tokenizer FromFile(string tokenizerJsonPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        return FromJson(File.ReadAllText(tokenizerJsonPath, Encoding.UTF8), tokenizerJsonPath);
    }

    /// <summary>Loads tokenizer.json content; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="TokenizerFormatException">The JSON is malformed or uses an unsupported component.</exception>
    public static Tokenizer FromJson(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(sourceName, "", $"not valid JSON: {e.Message}", e);
        }
        using (doc)
            return TokenizerJsonReader.Read(new JsonField(doc.RootElement, "", sourceName));
    }

    internal static Tokenizer Create(INormalizer? normalizer, IPreTokenizer? preTokenizer, BpeModel model,
        IPostProcessor? postProcessor, IDecoder? decoder, IReadOnlyList<AddedToken> declared, string sourceName)
    {
        var added = new AddedVocabulary(declared, model, normalizer);
        return new Tokenizer(normalizer, preTokenizer, model, postProcessor, decoder, added, sourceName);
    }

    /// <summary>
    /// Encodes <paramref name="text"/>. Added/special tokens written in the text (e.g. <c>&lt;|im_start|&gt;</c>)
    /// are always recognised; <paramref name="addSpecialTokens"/> controls the post-processor's additions
    /// (e.g. Llama's beginning-of-text token).
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ReplaceLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (_added.HasRawTokens)
        {
            var segments = new List<AddedSegment>();
            _added.SplitRaw(text, segments);
            foreach (var seg in segments)
            {
                if (seg.IsToken) ids.Add(seg.TokenId);
                else if (seg.End > seg.Start)
                    EncodePiece(seg.Start == 0 && seg.End == text.Length ? text : text[seg.Start..seg.End], seg.Start == 0, ids);
            }
        }
        else if (text.Length > 0)
        {
            EncodePiece(text, true, ids);
        }
        if (_postProcessor != null) ids = _postProcessor.Process(ids, addSpecialTokens);
        return ids.ToArray();
    }

    void EncodePiece(string piece, bool atStart, List<int> ids)
    {
        string normalized = _normalizer?.Normalize(piece) ?? piece;
        if (normalized.Length == 0) return;
        if (!_added.HasNormalizedTokens)
        {
            PreTokenizeAndTokenize(normalized, atStart, ids);
            return;
        }
        var segments = new List<AddedSegment>();
        _added.SplitNormalized(normalized, segments);
        foreach (var seg in segments)
        {
            if (seg.IsToken) ids.Add(seg.TokenId);
            else if (seg.End > seg.Start)
                PreTokenizeAndTokenize(normalized[seg.Start..seg.End], atStart && seg.Start == 0, ids);
        }
    }

    void PreTokenizeAndTokenize(string text, bool atStart, List<int> ids)
    {
        if (_preTokenizer is null)
        {
            _model.Tokenize(text, ids);
            return;
        }
        var output = new List<PreSplit>(text.Length / 4 + 2);
        _preTokenizer.PreTokenize([new PreSplit(text, atStart)], output);
        foreach (var s in output) _model.Tokenize(s.Text, ids);
    }

    /// <summary>
    /// Rust strings cannot hold unpaired surrogates, so HF never sees them; replacing them with U+FFFD is what
    /// a UTF-8 conversion of the .NET string would do.
    /// </summary>
    static string ReplaceLoneSurrogates(string text)
    {
        int i = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return text;
        StringBuilder? sb = null;
        for (int k = 0; k < text.Length; k++)
        {
            char c = text[k];
            if (char.IsHighSurrogate(c) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]))
            {
                sb?.Append(c).Append(text[k + 1]);
                k++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, k);
                sb.Append('\uFFFD');
                continue;
            }
            sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>
    /// Turns ids back into text. Unknown ids are skipped, as in HF; with <paramref name="skipSpecialTokens"/>
    /// special added tokens are dropped too.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            string? token = _added.IdToContent(id) ?? _model.IdToToken(id);
            if (token is null) continue;
            if (skipSpecialTokens && _added.IsSpecialContent(token)) continue;
            tokens.Add(token);
        }
        if (_decoder is null) return string.Join(' ', tokens);
        return string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <summary>The id of a token string (added tokens first, then the model vocabulary), or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _added.TokenToId(token) ?? _model.TokenToId(token);
    }

    /// <summary>The token string of an id, or null when no token has that id.</summary>
    public string? IdToToken(int id) => _added.IdToContent(id) ?? _model.IdToToken(id);

    /// <summary>Whether <paramref name="id"/> is a special added token (skipped by Decode when asked).</summary>
    public bool IsSpecial(int id) => _added.IsSpecialId(id);

    /// <summary>Serializes this tokenizer as a tokenizer.json document that HF's library can load.</summary>
    public string ToJson(bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = indented,
            // Vocabularies are mostly non-ASCII; escaping every character would triple the file size.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            _added.Write(w);
            WriteComponent(w, "normalizer", _normalizer is null ? null : _normalizer.Write);
            WriteComponent(w, "pre_tokenizer", _preTokenizer is null ? null : _preTokenizer.Write);
            WriteComponent(w, "post_processor", _postProcessor is null ? null : _postProcessor.Write);
            WriteComponent(w, "decoder", _decoder is null ? null : _decoder.Write);
            w.WritePropertyName("model");
            _model.Write(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    static void WriteComponent(Utf8JsonWriter w, string name, Action<Utf8JsonWriter>? write)
    {
        w.WritePropertyName(name);
        if (write is null) w.WriteNullValue();
        else write(w);
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (UTF-8, no BOM).</summary>
    public void Save(string path, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToJson(indented), new UTF8Encoding(false));
    }
}

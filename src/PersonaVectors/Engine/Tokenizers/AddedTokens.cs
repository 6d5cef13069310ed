using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// A token declared in tokenizer.json's <c>added_tokens</c>: matched in the raw text before the model runs,
/// e.g. <c>&lt;|im_start|&gt;</c>.
/// </summary>
/// <param name="Id">The id it encodes to.</param>
/// <param name="Content">Its exact text.</param>
/// <param name="Special">Special tokens are dropped by <see cref="Tokenizer.Decode"/> when asked to skip them.</param>
/// <param name="SingleWord">Only matched when not inside a word.</param>
/// <param name="LStrip">Swallows whitespace on its left.</param>
/// <param name="RStrip">Swallows whitespace on its right.</param>
/// <param name="Normalized">Matched against the normalized text instead of the raw text.</param>
public sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord, bool LStrip, bool RStrip, bool Normalized);

/// <summary>One stretch of the input: either plain text [Start, End) or an added token occupying that range.</summary>
internal readonly record struct AddedSegment(int Start, int End, int TokenId)
{
    public bool IsToken => TokenId >= 0;
}

/// <summary>
/// HF's AddedVocabulary: finds added tokens in text with leftmost-longest matching and applies their
/// single_word / lstrip / rstrip rules, so text around them is tokenized separately.
/// </summary>
internal sealed class AddedVocabulary
{
    readonly Dictionary<string, int> _contentToId = new(StringComparer.Ordinal);
    readonly Dictionary<int, AddedToken> _idToToken = new();
    readonly HashSet<string> _special = new(StringComparer.Ordinal);
    readonly TokenTrie _rawTrie = new();
    readonly TokenTrie _normalizedTrie = new();

    /// <summary>
    /// Registers tokens the way HF does when loading a file: the id is the existing added/model id of the
    /// content, else the next free id after the model vocabulary; the id written in the file is not trusted.
    /// </summary>
    public AddedVocabulary(IReadOnlyList<AddedToken> declared, BpeModel model, INormalizer? normalizer)
    {
        var specialOrder = new List<AddedToken>();
        var classicOrder = new List<AddedToken>();
        foreach (var t in declared)
            if (t.Special && t.Content.Length > 0 && _special.Add(t.Content))
                specialOrder.Add(t);

        var existing = new HashSet<AddedToken>(new ContentFlagsComparer());
        int nextId = model.VocabCount;
        foreach (var t in declared)
        {
            if (t.Content.Length == 0 || existing.Contains(t)) continue;
            int id;
            if (_contentToId.TryGetValue(t.Content, out int a)) id = a;
            else if (model.TokenToId(t.Content) is int m) id = m;
            else id = nextId++;
            var withId = t with { Id = id };
            _contentToId[t.Content] = id;
            _idToToken[id] = withId;
            if (!_special.Contains(t.Content)) classicOrder.Add(withId);
            existing.Add(t);
        }

        foreach (var t in specialOrder.Concat(classicOrder))
        {
            int id = _contentToId[t.Content];
            if (t.Normalized)
            {
                string pattern = normalizer?.Normalize(t.Content) ?? t.Content;
                if (pattern.Length > 0) _normalizedTrie.Add(pattern, id);
            }
            else
            {
                _rawTrie.Add(t.Content, id);
            }
        }
    }

    /// <summary>Added tokens ordered by id.</summary>
    public IReadOnlyList<AddedToken> Tokens => _idToToken.Values.OrderBy(t => t.Id).ToArray();

    public int MaxId => _idToToken.Count == 0 ? -1 : _idToToken.Keys.Max();

    public int? TokenToId(string content) => _contentToId.TryGetValue(content, out int id) ? id : null;

    public string? IdToContent(int id) => _idToToken.TryGetValue(id, out var t) ? t.Content : null;

    public bool IsSpecialContent(string content) => _special.Contains(content);

    public bool IsSpecialId(int id) => _idToToken.TryGetValue(id, out var t) && _special.Contains(t.Content);

    public bool HasRawTokens => _rawTrie.Count > 0;
    public bool HasNormalizedTokens => _normalizedTrie.Count > 0;

    public void SplitRaw(string text, List<AddedSegment> output) => FindMatches(text, _rawTrie, output);

    public void SplitNormalized(string text, List<AddedSegment> output) => FindMatches(text, _normalizedTrie, output);

    void FindMatches(string sentence, TokenTrie trie, List<AddedSegment> output)
    {
        if (sentence.Length == 0)
        {
            output.Add(new AddedSegment(0, 0, -1));
            return;
        }
        int startOffset = 0;
        int searchFrom = 0;
        while (trie.FindLeftmostLongest(sentence, searchFrom, out int start, out int stop, out int id))
        {
            searchFrom = stop; // the matcher continues after the raw match, whatever stripping does below
            var token = _idToToken[id];
            if (token.SingleWord)
            {
                bool startSpace = start == 0 || !EndsWithWordChar(sentence, start);
                bool stopSpace = stop == sentence.Length || !StartsWithWordChar(sentence, stop);
                if (!startSpace || !stopSpace) continue;
            }
            if (token.LStrip)
            {
                int newStart = start;
                while (newStart > 0 && IsWhiteSpaceBefore(sentence, newStart, out int width)) newStart -= width;
                start = Math.Max(newStart, startOffset);
            }
            if (token.RStrip)
            {
                while (stop < sentence.Length && IsWhiteSpaceAt(sentence, stop, out int width)) stop += width;
            }
            if (startOffset < start) output.Add(new AddedSegment(startOffset, start, -1));
            output.Add(new AddedSegment(start, stop, id));
            startOffset = stop;
        }
        if (startOffset != sentence.Length) output.Add(new AddedSegment(startOffset, sentence.Length, -1));
    }

    static bool IsWhiteSpaceAt(string s, int i, out int width)
    {
        width = char.IsSurrogatePair(s, i) ? 2 : 1;
        return char.IsWhiteSpace(s, i);
    }

    static bool IsWhiteSpaceBefore(string s, int i, out int width)
    {
        width = i >= 2 && char.IsSurrogatePair(s[i - 2], s[i - 1]) ? 2 : 1;
        return char.IsWhiteSpace(s, i - width);
    }

    static bool EndsWithWordChar(string s, int end)
    {
        int width = end >= 2 && char.IsSurrogatePair(s[end - 2], s[end - 1]) ? 2 : 1;
        return IsWordChar(s, end - width);
    }

    static bool StartsWithWordChar(string s, int start) => IsWordChar(s, start);

    /// <summary>Approximates Rust regex's Unicode <c>\w</c>: letters, marks, decimal digits, connector punctuation, letter numbers, joiners.</summary>
    static bool IsWordChar(string s, int index)
    {
        int cp = char.ConvertToUtf32(s, index);
        if (cp is 0x200C or 0x200D) return true;
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartArray("added_tokens");
        foreach (var t in Tokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.Id);
            w.WriteString("content", t.Content);
            w.WriteBoolean("single_word", t.SingleWord);
            w.WriteBoolean("lstrip", t.LStrip);
            w.WriteBoolean("rstrip", t.RStrip);
            w.WriteBoolean("normalized", t.Normalized);
            w.WriteBoolean("special", t.Special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>HF deduplicates declared tokens by content and flags, ignoring the declared id.</summary>
    sealed class ContentFlagsComparer : IEqualityComparer<AddedToken>
    {
        public bool Equals(AddedToken? x, AddedToken? y) =>
            x is not null && y is not null && x.Content == y.Content && x.Special == y.Special && x.SingleWord == y.SingleWord
            && x.LStrip == y.LStrip && x.RStrip == y.RStrip && x.Normalized == y.Normalized;

        public int GetHashCode(AddedToken obj) => obj.Content.GetHashCode(StringComparison.Ordinal);
    }
}

/// <summary>Character trie giving leftmost-longest matches (Aho-Corasick's LeftmostLongest result, simply computed).</summary>
internal sealed class TokenTrie
{
    sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public int TokenId = -1;
    }

    readonly Node _root = new();
    readonly HashSet<char> _firstChars = new();
    System.Buffers.SearchValues<char>? _first;

    public int Count { get; private set; }

    public void Add(string content, int id)
    {
        var node = _root;
        foreach (char c in content)
        {
            node.Children ??= new Dictionary<char, Node>();
            if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new Node();
            node = child;
        }
        if (node.TokenId < 0) Count++;
        node.TokenId = id;
        _firstChars.Add(content[0]);
        _first = null;
    }

    public bool FindLeftmostLongest(string text, int from, out int start, out int end, out int id)
    {
        start = end = id = -1;
        if (Count == 0) return false;
        var first = _first ??= System.Buffers.SearchValues.Create(_firstChars.ToArray());
        int i = from;
        while (i < text.Length)
        {
            int rel = text.AsSpan(i).IndexOfAny(first);
            if (rel < 0) return false;
            i += rel;
            var node = _root;
            int bestEnd = -1, bestId = -1;
            for (int j = i; j < text.Length; j++)
            {
                if (node.Children is null || !node.Children.TryGetValue(text[j], out var child)) break;
                node = child;
                if (node.TokenId >= 0) { bestEnd = j + 1; bestId = node.TokenId; }
            }
            if (bestEnd > 0)
            {
                start = i;
                end = bestEnd;
                id = bestId;
                return true;
            }
            i++;
        }
        return false;
    }
}

using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// Byte-pair-encoding model with Hugging Face's exact merge semantics: a word starts as one symbol per
/// character (or byte-fallback tokens), then the lowest-ranked applicable merge is applied repeatedly, found
/// through a priority queue keyed by (rank, position) so a word of n symbols costs O(n log n).
/// Results are cached per word because natural text repeats words constantly.
/// </summary>
internal sealed class BpeModel
{
    const int MaxCachedWordLength = 256;
    const int MaxCacheEntries = 200_000;

    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    readonly string?[] _idToToken;
    readonly MergeTable _merges;
    readonly int[] _bmpCharIds; // id of each single-BMP-character token, -1 when absent
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    int _cacheCount;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string A, string B)> merges, BpeOptions options,
        Func<int, string, Exception> mergeError)
    {
        Options = options;
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        int maxId = vocab.Count == 0 ? -1 : vocab.Values.Max();
        _idToToken = new string?[maxId + 1];
        foreach (var (token, id) in vocab) _idToToken[id] = token;
        _bmpCharIds = new int[char.MaxValue + 1];
        Array.Fill(_bmpCharIds, -1);
        foreach (var (token, id) in vocab)
            if (token.Length == 1) _bmpCharIds[token[0]] = id;

        int prefixLen = options.ContinuingSubwordPrefix?.Length ?? 0;
        _merges = new MergeTable(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            if (!vocab.TryGetValue(a, out int aId)) throw mergeError(rank, $"merge token \"{a}\" is not in the vocabulary");
            if (!vocab.TryGetValue(b, out int bId)) throw mergeError(rank, $"merge token \"{b}\" is not in the vocabulary");
            if (b.Length < prefixLen) throw mergeError(rank, $"merge token \"{b}\" is shorter than continuing_subword_prefix");
            string merged = a + b[prefixLen..];
            if (!vocab.TryGetValue(merged, out int newId)) throw mergeError(rank, $"merged token \"{merged}\" is not in the vocabulary");
            // A repeated pair keeps its last rank, as HF's map insertion does.
            _merges.Set(aId, bId, rank, newId);
        }
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

        if (options.UnkToken is { } unk && !vocab.ContainsKey(unk))
            UnkMissing = true;
    }

    public BpeOptions Options { get; }

    /// <summary>True when unk_token names no vocabulary entry; HF then fails only when an unknown character is met.</summary>
    bool UnkMissing { get; }

    public int VocabCount => _vocab.Count;
    public int MaxId => _idToToken.Length - 1;

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Merges in rank order, for serialization.</summary>
    public IEnumerable<(string A, string B)> MergesByRank() =>
        _merges.Entries().OrderBy(e => e.Rank).Select(e => (_idToToken[e.A]!, _idToToken[e.B]!));

    /// <summary>Appends the ids of <paramref name="word"/> (one pre-token) to <paramref name="output"/>.</summary>
    public void Tokenize(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.IsEmpty) return;
        if (Options.IgnoreMerges && _vocabBySpan.TryGetValue(word, out int whole))
        {
            output.Add(whole);
            return;
        }
        if (_cacheBySpan.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        int before = output.Count;
        MergeWord(word, output);
        if (word.Length < MaxCachedWordLength && Volatile.Read(ref _cacheCount) < MaxCacheEntries)
        {
            var ids = CollectionsMarshal.AsSpan(output)[before..].ToArray();
            if (_cacheBySpan.TryAdd(word, ids)) Interlocked.Increment(ref _cacheCount);
        }
    }

    struct Symbol
    {
        public int Id;
        public int Prev;
        public int Next;
        public int Len; // 0 marks a symbol merged into its left neighbour
    }

    void MergeWord(ReadOnlySpan<char> word, List<int> output)
    {
        var symbols = new List<Symbol>(word.Length);
        BuildSymbols(word, symbols);
        int n = symbols.Count;
        if (n == 0) return;
        var sym = CollectionsMarshal.AsSpan(symbols);

        if (n > 1)
        {
            var heap = new MergeHeap(n + 16);
            for (int i = 0; i < n - 1; i++)
                if (_merges.TryGet(sym[i].Id, sym[i + 1].Id, out int r, out int id))
                    heap.Push(r, i, id);

            while (heap.TryPop(out int pos, out int newId))
            {
                ref var cur = ref sym[pos];
                if (cur.Len == 0 || cur.Next == -1) continue;
                int nextPos = cur.Next;
                var right = sym[nextPos];
                // A stale queue entry: the pair at this position changed since it was queued.
                if (!_merges.TryGet(cur.Id, right.Id, out _, out int checkId) || checkId != newId) continue;

                cur.Id = newId;
                cur.Len += right.Len;
                cur.Next = right.Next;
                sym[nextPos].Len = 0;
                if (right.Next > -1 && right.Next < n) sym[right.Next].Prev = pos;

                if (cur.Prev >= 0 && _merges.TryGet(sym[cur.Prev].Id, cur.Id, out int lr, out int lid))
                    heap.Push(lr, cur.Prev, lid);
                if (cur.Next > -1 && cur.Next < n && _merges.TryGet(cur.Id, sym[cur.Next].Id, out int rr, out int rid))
                    heap.Push(rr, pos, rid);
            }
        }
        foreach (ref readonly var s in sym)
            if (s.Len != 0) output.Add(s.Id);
    }

    void AddSymbol(List<Symbol> symbols, int id, int len)
    {
        int count = symbols.Count;
        if (count > 0)
        {
            var span = CollectionsMarshal.AsSpan(symbols);
            span[count - 1].Next = count;
        }
        symbols.Add(new Symbol { Id = id, Prev = count - 1, Next = -1, Len = len });
    }

    void BuildSymbols(ReadOnlySpan<char> word, List<Symbol> symbols)
    {
        string? prefix = Options.ContinuingSubwordPrefix is { Length: > 0 } p ? p : null;
        string? suffix = Options.EndOfWordSuffix is { Length: > 0 } sfx ? sfx : null;
        int unkId = -1, unkLen = 0;
        bool hasUnk = false;
        int i = 0;
        while (i < word.Length)
        {
            int charLen = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            bool isFirst = i == 0;
            bool isLast = i + charLen >= word.Length;
            var ch = word.Slice(i, charLen);
            int byteLen = charLen == 2 ? 4 : ch[0] < 0x80 ? 1 : ch[0] < 0x800 ? 2 : 3;
            i += charLen;

            int id;
            bool found;
            string? composed = null;
            if ((isFirst || prefix == null) && (!isLast || suffix == null))
            {
                if (charLen == 1 && _bmpCharIds[ch[0]] is var bmp and >= 0) { id = bmp; found = true; }
                else found = _vocabBySpan.TryGetValue(ch, out id);
            }
            else
            {
                composed = (!isFirst ? prefix : "") + ch.ToString() + (isLast ? suffix : "");
                found = _vocab.TryGetValue(composed, out id);
            }

            if (found)
            {
                if (hasUnk)
                {
                    AddSymbol(symbols, unkId, unkLen);
                    hasUnk = false;
                }
                AddSymbol(symbols, id, byteLen);
                continue;
            }

            if (Options.ByteFallback)
            {
                // Byte fallback covers the whole (prefixed/suffixed) string, or nothing.
                byte[] bytes = Encoding.UTF8.GetBytes(composed ?? ch.ToString());
                var ids = new int[bytes.Length];
                bool all = true;
                for (int b = 0; b < bytes.Length && all; b++)
                {
                    if (_vocab.TryGetValue(ByteToken(bytes[b]), out int bid)) ids[b] = bid;
                    else all = false;
                }
                if (all)
                {
                    // HF does not flush a pending unknown token before byte-fallback pieces.
                    foreach (int bid in ids) AddSymbol(symbols, bid, 1);
                    continue;
                }
            }

            if (Options.UnkToken is { } unk)
            {
                if (UnkMissing)
                    throw new InvalidOperationException($"unk_token \"{unk}\" is not in the vocabulary");
                int thisUnk = _vocab[unk];
                if (hasUnk && Options.FuseUnk)
                {
                    unkLen += byteLen;
                }
                else
                {
                    if (hasUnk) AddSymbol(symbols, unkId, unkLen);
                    unkId = thisUnk;
                    unkLen = byteLen;
                    hasUnk = true;
                }
            }
            // Without an unk_token an unknown character is dropped, as in HF.
        }
        if (hasUnk) AddSymbol(symbols, unkId, unkLen);
    }

    static readonly string[] ByteTokens = Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>").ToArray();

    internal static string ByteToken(byte b) => ByteTokens[b];

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "BPE");
        if (Options.Dropout is { } d) w.WriteNumber("dropout", d); else w.WriteNull("dropout");
        WriteOptionalString(w, "unk_token", Options.UnkToken);
        WriteOptionalString(w, "continuing_subword_prefix", Options.ContinuingSubwordPrefix);
        WriteOptionalString(w, "end_of_word_suffix", Options.EndOfWordSuffix);
        w.WriteBoolean("fuse_unk", Options.FuseUnk);
        w.WriteBoolean("byte_fallback", Options.ByteFallback);
        w.WriteBoolean("ignore_merges", Options.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in _vocab.OrderBy(kv => kv.Value)) w.WriteNumber(token, id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (a, b) in MergesByRank())
        {
            w.WriteStartArray();
            w.WriteStringValue(a);
            w.WriteStringValue(b);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteOptionalString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    /// <summary>4-ary min-heap of pending merges ordered by (rank, position), as HF's queue pops them.</summary>
    struct MergeHeap(int capacity)
    {
        struct Entry
        {
            public long Key; // rank in the high half, position in the low half
            public int NewId;
        }

        Entry[] _items = new Entry[Math.Max(capacity, 8)];
        int _count;

        public void Push(int rank, int pos, int newId)
        {
            if (_count == _items.Length) Array.Resize(ref _items, _count * 2);
            var item = new Entry { Key = ((long)rank << 32) | (uint)pos, NewId = newId };
            var items = _items;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 2;
                if (items[parent].Key <= item.Key) break;
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        public bool TryPop(out int pos, out int newId)
        {
            if (_count == 0)
            {
                pos = newId = 0;
                return false;
            }
            var items = _items;
            pos = (int)(items[0].Key & 0xFFFFFFFF);
            newId = items[0].NewId;
            int count = --_count;
            if (count > 0)
            {
                var last = items[count];
                int i = 0;
                while (true)
                {
                    int first = (i << 2) + 1;
                    if (first >= count) break;
                    int best = first;
                    int end = Math.Min(first + 4, count);
                    for (int c = first + 1; c < end; c++)
                        if (items[c].Key < items[best].Key) best = c;
                    if (items[best].Key >= last.Key) break;
                    items[i] = items[best];
                    i = best;
                }
                items[i] = last;
            }
            return true;
        }
    }
}

/// <summary>The BPE model options from tokenizer.json that change how words are split.</summary>
internal sealed record BpeOptions(
    string? UnkToken,
    string? ContinuingSubwordPrefix,
    string? EndOfWordSuffix,
    bool FuseUnk,
    bool ByteFallback,
    bool IgnoreMerges,
    double? Dropout);

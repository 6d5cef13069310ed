using System.Collections.Concurrent;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// Trains a GPT-2/Qwen-style byte-level BPE tokenizer: text is split with <see cref="Pattern"/>, every piece
/// is rewritten in GPT-2's 256-character byte alphabet (so any input, even bytes never seen
/// in training, stays encodable), and the most frequent adjacent pair is merged until the vocabulary reaches
/// <see cref="VocabSize"/>. Pair counts are updated incrementally for the words a merge touches rather than
/// recounted, and ties are broken by token ids, so the result depends only on the corpus and the settings.
/// </summary>
public sealed class BpeTrainer
{
    /// <summary>Qwen2's pre-tokenizer pattern: contractions, letter runs with one leading symbol, single digits, punctuation runs, whitespace.</summary>
    public const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Target vocabulary size, special tokens and the 256 byte tokens included.</summary>
    public int VocabSize { get; init; } = 4096;

    /// <summary>Special tokens, given ids 0.. in this order; they are never split and never learned from.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    /// <summary>Pairs seen fewer times than this are not merged (training stops early instead).</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Pre-tokenizer regex (a Split with Isolated behaviour); merges never cross its pieces.</summary>
    public string Pattern { get; init; } = QwenPattern;

    /// <summary>Whether the tokenizer applies NFC normalization (as Qwen does) before splitting.</summary>
    public bool NormalizeNfc { get; init; }

    /// <summary>Learns merges from <paramref name="corpus"/> and returns the tokenizer (save it with <see cref="Tokenizer.Save"/>).</summary>
    public Tokenizer Train(IEnumerable<string> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        Validate();
        var normalizer = NormalizeNfc ? new UnicodeFormNormalizer(true) : null;
        var preTokenizer = new SequencePreTokenizer(
        [
            new SplitPreTokenizer(new OnigCompatibleRegex(Pattern, true), SplitBehavior.Isolated, false),
            new ByteLevelPreTokenizer(addPrefixSpace: false, trimOffsets: false, useRegex: false),
        ]);

        var counts = CountWords(corpus, normalizer, preTokenizer);
        var (vocab, merges) = LearnMerges(counts);

        var model = new BpeModel(vocab, merges, new BpeOptions(null, null, null, false, false, false, null),
            (rank, message) => new InvalidOperationException($"trainer produced an invalid merge {rank}: {message}"));
        var added = SpecialTokens.Select((t, i) => new AddedToken(i, t, Special: true, SingleWord: false, LStrip: false, RStrip: false, Normalized: false)).ToList();
        return Tokenizer.Create(normalizer, preTokenizer, model,
            new ByteLevelPostProcessor(addPrefixSpace: false, trimOffsets: false, useRegex: false),
            new ByteLevelDecoder(addPrefixSpace: false, trimOffsets: false, useRegex: false),
            added, "trained by BpeTrainer");
    }

    void Validate()
    {
        if (SpecialTokens.Any(string.IsNullOrEmpty))
            throw new ArgumentException("special tokens must be non-empty", nameof(SpecialTokens));
        if (SpecialTokens.Distinct(StringComparer.Ordinal).Count() != SpecialTokens.Count)
            throw new ArgumentException("special tokens must be distinct", nameof(SpecialTokens));
        if (VocabSize < SpecialTokens.Count + 256)
            throw new ArgumentOutOfRangeException(nameof(VocabSize), VocabSize,
                $"must hold the {SpecialTokens.Count} special tokens and the 256 byte tokens");
        if (MinFrequency < 1)
            throw new ArgumentOutOfRangeException(nameof(MinFrequency), MinFrequency, "must be at least 1");
        _ = new System.Text.RegularExpressions.Regex(Pattern); // fail early with the regex's own message
    }

    /// <summary>Counts byte-level pre-tokens over the corpus, in parallel, with special tokens cut out first.</summary>
    Dictionary<string, long> CountWords(IEnumerable<string> corpus, INormalizer? normalizer, IPreTokenizer preTokenizer)
    {
        var trie = new TokenTrie();
        for (int i = 0; i < SpecialTokens.Count; i++) trie.Add(SpecialTokens[i], i);

        var partials = new ConcurrentBag<Dictionary<string, long>>();
        Parallel.ForEach(corpus,
            () => new Dictionary<string, long>(StringComparer.Ordinal),
            (doc, _state, local) =>
            {
                var input = new List<PreSplit>(1);
                var output = new List<PreSplit>();
                int pos = 0;
                while (pos <= doc.Length)
                {
                    int end = doc.Length, next = doc.Length + 1;
                    if (trie.FindLeftmostLongest(doc, pos, out int s, out int e, out _))
                    {
                        end = s;
                        next = e;
                    }
                    if (end > pos)
                    {
                        string piece = doc[pos..end];
                        if (normalizer != null) piece = normalizer.Normalize(piece);
                        input.Clear();
                        output.Clear();
                        input.Add(new PreSplit(piece, pos == 0));
                        preTokenizer.PreTokenize(input, output);
                        foreach (var w in output)
                            local[w.Text] = local.GetValueOrDefault(w.Text) + 1;
                    }
                    pos = next;
                }
                return local;
            },
            partials.Add);

        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in partials)
            foreach (var (w, c) in part)
                total[w] = total.GetValueOrDefault(w) + c;
        return total;
    }

    (Dictionary<string, int> Vocab, List<(string, string)> Merges) LearnMerges(Dictionary<string, long> counts)
    {
        var idToToken = new List<string>(VocabSize);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        void AddToken(string t)
        {
            vocab[t] = idToToken.Count;
            idToToken.Add(t);
        }
        foreach (var s in SpecialTokens) AddToken(s);
        for (int b = 0; b < 256; b++) AddToken(ByteLevel.ByteToChar((byte)b).ToString());

        // Words in ordinal order so ids and tie-breaks never depend on hashing or thread timing.
        var wordTexts = counts.Keys.Order(StringComparer.Ordinal).ToArray();
        var words = new int[wordTexts.Length][];
        var lengths = new int[wordTexts.Length];
        var freq = new long[wordTexts.Length];
        for (int w = 0; w < wordTexts.Length; w++)
        {
            string text = wordTexts[w];
            var symbols = new int[text.Length];
            for (int i = 0; i < text.Length; i++) symbols[i] = vocab[text[i].ToString()];
            words[w] = symbols;
            lengths[w] = symbols.Length;
            freq[w] = counts[text];
        }

        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Length; w++)
        {
            var sym = words[w];
            for (int i = 0; i + 1 < lengths[w]; i++)
            {
                long key = MergeTable.Key(sym[i], sym[i + 1]);
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + freq[w];
                if (!where.TryGetValue(key, out var list)) where[key] = list = [];
                if (list.Count == 0 || list[^1] != w) list.Add(w);
            }
        }

        // Max count first, then the smallest pair (by ids) for a deterministic order among ties.
        var queue = new PriorityQueue<long, (long NegCount, long Pair)>();
        foreach (var (pair, c) in pairCounts) queue.Enqueue(pair, (-c, pair));

        var merges = new List<(string, string)>();
        var delta = new Dictionary<long, long>();
        var touched = new HashSet<int>();
        while (idToToken.Count < VocabSize && queue.TryDequeue(out long best, out var priority))
        {
            long current = pairCounts.GetValueOrDefault(best);
            if (-priority.NegCount != current)
            {
                // Counts only fall after being queued, so a stale entry is re-queued with its true count.
                if (current > 0) queue.Enqueue(best, (-current, best));
                continue;
            }
            if (current < MinFrequency) break;

            int a = (int)(best >> 32), b = (int)(best & 0xFFFFFFFF);
            string merged = idToToken[a] + idToToken[b];
            if (!vocab.TryGetValue(merged, out int newId))
            {
                newId = idToToken.Count;
                AddToken(merged);
            }
            merges.Add((idToToken[a], idToToken[b]));

            delta.Clear();
            touched.Clear();
            foreach (int w in where[best])
            {
                if (!touched.Add(w)) continue;
                MergeInWord(words[w], ref lengths[w], a, b, newId, freq[w], delta, where, w);
            }
            where.Remove(best);
            foreach (var (pair, d) in delta)
            {
                if (d == 0) continue;
                long updated = pairCounts.GetValueOrDefault(pair) + d;
                if (updated <= 0) pairCounts.Remove(pair);
                else pairCounts[pair] = updated;
                if (d > 0) queue.Enqueue(pair, (-updated, pair));
            }
        }
        return (vocab, merges);
    }

    /// <summary>
    /// Replaces every left-to-right occurrence of (a, b) in one word and records how each neighbouring pair's
    /// count changes, weighted by the word's frequency.
    /// </summary>
    static void MergeInWord(int[] sym, ref int length, int a, int b, int newId, long count,
        Dictionary<long, long> delta, Dictionary<long, List<int>> where, int wordIndex)
    {
        int n = length;
        bool any = false;
        for (int i = 0; i + 1 < n; i++)
            if (sym[i] == a && sym[i + 1] == b) { any = true; break; }
        if (!any) return;

        for (int i = 0; i + 1 < n; i++) Add(delta, MergeTable.Key(sym[i], sym[i + 1]), -count);
        int write = 0;
        for (int read = 0; read < n; read++)
        {
            if (read + 1 < n && sym[read] == a && sym[read + 1] == b)
            {
                sym[write++] = newId;
                read++;
            }
            else sym[write++] = sym[read];
        }
        length = write;
        for (int i = 0; i + 1 < write; i++)
        {
            long key = MergeTable.Key(sym[i], sym[i + 1]);
            Add(delta, key, count);
            if (sym[i] == newId || sym[i + 1] == newId)
            {
                if (!where.TryGetValue(key, out var list)) where[key] = list = [];
                if (list.Count == 0 || list[^1] != wordIndex) list.Add(wordIndex);
            }
        }

        static void Add(Dictionary<long, long> d, long key, long value) => d[key] = d.GetValueOrDefault(key) + value;
    }
}

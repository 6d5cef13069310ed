using System.Diagnostics;
using System.Text;
using PersonaVectors.Engine.Tokenizers;
using Xunit.Abstractions;

namespace PersonaVectors.Tests.Engine.Tokenizers;

public class BpeTrainerTests(ITestOutputHelper output)
{
    static readonly string[] Words =
    (
        "the of and to in is you that it he was for on are as with his they at be this have from or one had by " +
        "word but not what all were we when your can said there use an each which she do how their if will up " +
        "other about out many then them these so some her would make like him into time has look two more write " +
        "go see number no way could people my than first water been call who oil its now find long down day did " +
        "get come made may part persona vector model steering trait honest helpful evil sycophantic layer token " +
        "activation assistant user system prompt response question answer behaviour dataset training monitor"
    ).Split(' ');

    /// <summary>Pronounceable made-up words, so the corpus has a large, Zipf-distributed vocabulary like real text.</summary>
    static readonly string[] Lexicon = BuildLexicon();

    static string[] BuildLexicon()
    {
        string[] onsets = ["", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr", "ch", "sh", "pl", "gr"];
        string[] vowels = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "y"];
        string[] codas = ["", "", "n", "r", "s", "t", "l", "m", "ng", "ck", "st", "rd"];
        var rng = new Random(2024);
        var set = new HashSet<string>(Words);
        var list = new List<string>(Words);
        while (list.Count < 20_000)
        {
            int syllables = 1 + (int)(3 * rng.NextDouble() * rng.NextDouble()) + rng.Next(2);
            var sb = new StringBuilder();
            for (int i = 0; i < syllables; i++)
                sb.Append(onsets[rng.Next(onsets.Length)]).Append(vowels[rng.Next(vowels.Length)]).Append(codas[rng.Next(codas.Length)]);
            if (set.Add(sb.ToString())) list.Add(sb.ToString());
        }
        return list.ToArray();
    }

    /// <summary>Seeded pseudo-English paragraphs, with numbers, punctuation and some code, about <paramref name="chars"/> long.</summary>
    internal static List<string> SyntheticCorpus(int chars, int seed)
    {
        var rng = new Random(seed);
        var docs = new List<string>();
        int total = 0;
        var sb = new StringBuilder();
        while (total < chars)
        {
            sb.Clear();
            int sentences = rng.Next(1, 8);
            for (int s = 0; s < sentences; s++)
            {
                int n = rng.Next(4, 18);
                for (int i = 0; i < n; i++)
                {
                    // Skewed choice so some words are frequent, as in real text.
                    string w = Lexicon[(int)(Lexicon.Length * Math.Pow(rng.NextDouble(), 3))];
                    if (i == 0) w = char.ToUpperInvariant(w[0]) + w[1..];
                    sb.Append(w);
                    if (rng.Next(15) == 0) sb.Append(' ').Append(rng.Next(0, 100000));
                    if (rng.Next(12) == 0) sb.Append(rng.Next(2) == 0 ? "," : "'s");
                    sb.Append(i == n - 1 ? ". " : " ");
                }
                if (rng.Next(6) == 0) sb.Append("\n\n");
            }
            if (rng.Next(10) == 0) sb.Append("<|im_start|>user\nfor (int i = 0; i < n; i++)\n{\n\tsum += i;\n}<|im_end|>\n");
            docs.Add(sb.ToString());
            total += sb.Length;
        }
        return docs;
    }

    static readonly Lazy<(List<string> Corpus, Tokenizer Tokenizer, string Path)> Trained = new(() =>
    {
        var corpus = SyntheticCorpus(300_000, seed: 11);
        corpus.AddRange(TokenizerTestCorpus.SourceFiles());
        var tok = new BpeTrainer { VocabSize = 1200 }.Train(corpus);
        string dir = ReferenceTokenizers.ScratchDirectory.Value;
        string path = Path.Combine(dir, "trained-tokenizer.json");
        tok.Save(path);
        return (corpus, tok, path);
    });

    [Fact]
    public void Trained_tokenizer_has_the_requested_vocabulary_and_special_tokens()
    {
        var tok = Trained.Value.Tokenizer;
        Assert.Equal(1200, tok.VocabSize);
        Assert.Equal(0, tok.TokenToId("<|endoftext|>"));
        Assert.Equal(1, tok.TokenToId("<|im_start|>"));
        Assert.Equal(2, tok.TokenToId("<|im_end|>"));
        Assert.True(tok.IsSpecial(1));
        Assert.False(tok.IsSpecial(3));
        Assert.Equal(3, tok.AddedTokens.Count);
        // Frequent words became single tokens; special tokens in text are recognised, not split.
        Assert.Single(tok.Encode(" the"));
        Assert.Equal([1, tok.TokenToId("user")!.Value, tok.TokenToId("\u010A")!.Value, 2], tok.Encode("<|im_start|>user\n<|im_end|>"));
        // Learned merges never contain special-token text.
        Assert.DoesNotContain(Enumerable.Range(3, tok.VocabSize - 3).Select(i => tok.IdToToken(i)!), t => t.Contains("im_start", StringComparison.Ordinal));
    }

    [Fact]
    public void Trained_tokenizer_round_trips_text_including_bytes_never_seen_in_training()
    {
        var tok = Trained.Value.Tokenizer;
        var texts = new List<string>(TokenizerTestCorpus.HandPicked);
        texts.AddRange(TokenizerTestCorpus.Random(300, seed: 8));
        texts.Add("\uD83E\uDD16 \u65E5\u672C\u8A9E \u00FF\u0000\u0001 \uD800\uDC00");
        foreach (var text in texts)
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
    }

    [Fact]
    public void Saved_file_loads_in_the_reference_library_with_identical_ids()
    {
        var (corpus, tok, path) = Trained.Value;
        var reloaded = Tokenizer.FromFile(path);
        var texts = new List<string>(corpus.Take(200));
        texts.AddRange(TokenizerTestCorpus.All(randomCount: 300, seed: 21));
        ParityAssert.AllEqual(texts, t => ReferenceTokenizers.ReferenceEncode(path, t), t => tok.Encode(t));
        ParityAssert.AllEqual(texts, t => tok.Encode(t), t => reloaded.Encode(t));
    }

    [Fact]
    public void Training_is_deterministic_and_independent_of_corpus_order()
    {
        var corpus = SyntheticCorpus(60_000, seed: 3);
        var trainer = new BpeTrainer { VocabSize = 600, SpecialTokens = ["<|endoftext|>"] };
        string first = trainer.Train(corpus).ToJson();
        string second = trainer.Train(corpus).ToJson();
        var shuffled = corpus.OrderBy(d => d.GetHashCode(StringComparison.Ordinal)).ToList();
        string third = trainer.Train(shuffled).ToJson();
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.NotEqual(first, trainer.Train(SyntheticCorpus(60_000, seed: 4)).ToJson());
    }

    [Fact]
    public void Training_stops_at_min_frequency_when_the_corpus_is_exhausted()
    {
        var tok = new BpeTrainer { VocabSize = 5000, SpecialTokens = ["<eos>"], MinFrequency = 2 }.Train(["abab abab", "xyz"]);
        // Words "abab" and " abab": (a,b) is seen 4 times, then (ab,ab) twice; (" ", abab) and x/y/z pairs once.
        Assert.Equal(1 + 256 + 2, tok.VocabSize);
        Assert.Equal(257, tok.TokenToId("ab"));
        Assert.Equal(258, tok.TokenToId("abab"));
        Assert.Null(tok.TokenToId("xy"));
        Assert.Equal(["abab", "\u0120", "abab"], tok.Encode("abab abab").Select(i => tok.IdToToken(i)!).ToArray());
    }

    [Fact]
    public void Nfc_option_writes_an_nfc_normalizer_the_reference_honours()
    {
        var tok = new BpeTrainer { VocabSize = 400, NormalizeNfc = true }.Train(SyntheticCorpus(20_000, seed: 5));
        string json = tok.ToJson();
        Assert.Contains("\"normalizer\":{\"type\":\"NFC\"}", json, StringComparison.Ordinal);
        string path = Path.Combine(Path.GetTempPath(), $"pv-trained-nfc-{Environment.ProcessId}.json");
        tok.Save(path);
        try
        {
            foreach (var text in new[] { "cafe\u0301 re\u0301sume\u0301", "\u212B", "plain" })
                Assert.Equal(ReferenceTokenizers.ReferenceEncode(path, text), tok.Encode(text));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Invalid_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BpeTrainer { VocabSize = 100 }.Train(["abc"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BpeTrainer { MinFrequency = 0 }.Train(["abc"]));
        Assert.Throws<ArgumentException>(() => new BpeTrainer { SpecialTokens = ["<a>", "<a>"] }.Train(["abc"]));
        Assert.Throws<ArgumentException>(() => new BpeTrainer { SpecialTokens = [""] }.Train(["abc"]));
        Assert.Throws<System.Text.RegularExpressions.RegexParseException>(() => new BpeTrainer { Pattern = "(" }.Train(["abc"]));
    }

    [Fact]
    public void Training_five_megabytes_to_four_thousand_tokens_is_fast()
    {
        var corpus = SyntheticCorpus(5_000_000, seed: 17);
        var sw = Stopwatch.StartNew();
        var tok = new BpeTrainer { VocabSize = 4000, MinFrequency = 1 }.Train(corpus);
        sw.Stop();
        output.WriteLine($"trained 5 MB to {tok.VocabSize} tokens in {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(tok.VocabSize > 1000, $"vocab {tok.VocabSize}");
        // Generous bound for a 2-core CI machine in Debug; the measured time is printed above.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
    }
}

using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>
/// Components the downloadable files do not use (GPT-2/SmolLM2-style ByteLevel regex, Metaspace, other
/// normalizers, split behaviours, added-token flags), checked against Hugging Face's library by editing a
/// real tokenizer.json and loading the edited copy in both implementations.
/// </summary>
public class VariantParityTests
{
    static readonly List<string> Corpus = TokenizerTestCorpus.All(randomCount: 250, seed: 4321);

    static JsonNode ByteLevelStep(bool useRegex, bool addPrefixSpace = false) => new JsonObject
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = addPrefixSpace,
        ["trim_offsets"] = true,
        ["use_regex"] = useRegex,
    };

    static JsonNode SplitStep(JsonObject pattern, string behavior, bool invert) => new JsonObject
    {
        ["type"] = "Split",
        ["pattern"] = pattern,
        ["behavior"] = behavior,
        ["invert"] = invert,
    };

    static JsonNode Seq(params JsonNode[] steps) => new JsonObject
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(steps),
    };

    public static TheoryData<string> VariantNames => new()
    {
        "gpt2-bytelevel-regex",
        "gpt2-bytelevel-prefix-space",
        "llama3-merges-not-ignored",
        "qwen-nfd",
        "qwen-lowercase",
        "qwen-strip-replace-regex",
        "qwen-stripaccents",
        "qwen-split-removed",
        "qwen-split-merged-previous",
        "qwen-split-merged-next",
        "qwen-split-contiguous",
        "qwen-split-invert",
        "qwen-digits",
        "qwen-whitespace-split",
        "qwen-added-token-flags",
        "llama2-metaspace-first",
        "llama2-metaspace-always-split",
        "llama2-metaspace-never",
    };

    static (string Family, Action<JsonObject> Edit) Definition(string name) => name switch
    {
        // SmolLM2 / GPT-2: a single ByteLevel pre-tokenizer with GPT-2's own regex, no normalizer.
        "gpt2-bytelevel-regex" => ("qwen3", r =>
        {
            r["normalizer"] = null;
            r["pre_tokenizer"] = ByteLevelStep(useRegex: true);
        }
        ),
        "gpt2-bytelevel-prefix-space" => ("qwen3", r =>
        {
            r["normalizer"] = null;
            r["pre_tokenizer"] = ByteLevelStep(useRegex: true, addPrefixSpace: true);
        }
        ),
        "llama3-merges-not-ignored" => ("llama3", r => r["model"]!["ignore_merges"] = false),
        "qwen-nfd" => ("qwen3", r => r["normalizer"] = new JsonObject { ["type"] = "NFD" }),
        "qwen-lowercase" => ("qwen3", r => r["normalizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "NFC" }, new JsonObject { ["type"] = "Lowercase" }),
        }),
        "qwen-strip-replace-regex" => ("qwen3", r => r["normalizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true },
                new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = @"\s+" }, ["content"] = " " },
                new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "e" }, ["content"] = "E" }),
        }),
        "qwen-stripaccents" => ("qwen3", r => r["normalizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "NFD" }, new JsonObject { ["type"] = "StripAccents" }),
        }),
        "qwen-split-removed" => ("qwen3", r => r["pre_tokenizer"] =
            Seq(SplitStep(new JsonObject { ["String"] = " " }, "Removed", false), ByteLevelStep(false))),
        "qwen-split-merged-previous" => ("qwen3", r => r["pre_tokenizer"] =
            Seq(SplitStep(new JsonObject { ["Regex"] = @"\s+" }, "MergedWithPrevious", false), ByteLevelStep(false))),
        "qwen-split-merged-next" => ("qwen3", r => r["pre_tokenizer"] =
            Seq(SplitStep(new JsonObject { ["Regex"] = @"[\p{P}\s]" }, "MergedWithNext", false), ByteLevelStep(false))),
        "qwen-split-contiguous" => ("qwen3", r => r["pre_tokenizer"] =
            Seq(SplitStep(new JsonObject { ["Regex"] = @"\p{N}" }, "Contiguous", false), ByteLevelStep(true))),
        "qwen-split-invert" => ("qwen3", r => r["pre_tokenizer"] =
            Seq(SplitStep(new JsonObject { ["Regex"] = @"\p{L}+" }, "Isolated", true), ByteLevelStep(false))),
        "qwen-digits" => ("qwen3", r => r["pre_tokenizer"] = Seq(
            new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
            new JsonObject { ["type"] = "Digits", ["individual_digits"] = false },
            ByteLevelStep(true))),
        "qwen-whitespace-split" => ("qwen3", r => r["pre_tokenizer"] = Seq(
            new JsonObject { ["type"] = "WhitespaceSplit" }, ByteLevelStep(false))),
        "qwen-added-token-flags" => ("qwen3", r =>
        {
            var added = r["added_tokens"]!.AsArray();
            foreach (var t in added)
            {
                switch ((string)t!["content"]!)
                {
                    case "<|im_start|>": t["lstrip"] = true; break;
                    case "<|im_end|>": t["rstrip"] = true; break;
                    case "<think>": t["single_word"] = true; break;
                    case "</think>": t["normalized"] = true; t["lstrip"] = true; t["rstrip"] = true; break;
                }
            }
            // New tokens matched against normalized text, including one whose NFC form differs.
            added.Add(new JsonObject
            {
                ["id"] = 151669,
                ["content"] = "Hello world",
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = true,
                ["special"] = false,
            });
            added.Add(new JsonObject
            {
                ["id"] = 151670,
                ["content"] = "cafe\u0301",
                ["single_word"] = true,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = true,
                ["special"] = true,
            });
        }
        ),
        // Mistral-style SentencePiece: no normalizer, Metaspace pre-tokenizer prepending only at the start.
        "llama2-metaspace-first" => ("llama2", r =>
        {
            r["normalizer"] = null;
            r["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Metaspace",
                ["replacement"] = "\u2581",
                ["prepend_scheme"] = "first",
                ["split"] = false,
            };
        }
        ),
        "llama2-metaspace-always-split" => ("llama2", r =>
        {
            r["normalizer"] = null;
            r["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Metaspace",
                ["replacement"] = "\u2581",
                ["prepend_scheme"] = "always",
                ["split"] = true,
            };
            r["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always", ["split"] = true }),
            };
        }
        ),
        "llama2-metaspace-never" => ("llama2", r =>
        {
            r["normalizer"] = null;
            r["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Metaspace",
                ["replacement"] = "\u2581",
                ["prepend_scheme"] = "never",
                ["split"] = true,
            };
            r["decoder"] = new JsonObject
            {
                ["type"] = "Metaspace",
                ["replacement"] = "\u2581",
                ["prepend_scheme"] = "never",
                ["split"] = true,
            };
        }
        ),
        _ => throw new ArgumentException(name),
    };

    static string PathFor(string name)
    {
        var (family, edit) = Definition(name);
        return ReferenceTokenizers.Variant(family, name, edit);
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Encode_matches_reference(string name)
    {
        string path = PathFor(name);
        var ours = ReferenceTokenizers.Ours(path);
        ParityAssert.AllEqual(Corpus, text => ReferenceTokenizers.ReferenceEncode(path, text), text => ours.Encode(text));
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Decode_matches_reference(string name)
    {
        string path = PathFor(name);
        var ours = ReferenceTokenizers.Ours(path);
        var failures = new List<string>();
        foreach (var text in Corpus)
        {
            int[] ids = ours.Encode(text);
            string expected = ReferenceTokenizers.ReferenceDecode(path, ids);
            string actual = ours.Decode(ids, skipSpecialTokens: true);
            if (expected != actual && failures.Count < 8)
                failures.Add($"{ParityAssert.Show(text)}: expected {ParityAssert.Show(expected)}, got {ParityAssert.Show(actual)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_variants_really_change_the_ids()
    {
        // Guards against a variant edit silently not taking effect (then parity would prove nothing new).
        var baseTok = ReferenceTokenizers.Ours(ReferenceTokenizers.RealFile("qwen3"));
        string text = "Cafe\u0301 <|im_end|>  Hello world 12345 don't f(x)";
        foreach (var name in new[] { "qwen-nfd", "qwen-lowercase", "qwen-split-removed", "qwen-digits", "qwen-added-token-flags", "gpt2-bytelevel-prefix-space" })
        {
            var path = PathFor(name);
            Assert.False(ReferenceTokenizers.ReferenceEncode(ReferenceTokenizers.RealFile("qwen3"), text)
                .SequenceEqual(ReferenceTokenizers.ReferenceEncode(path, text)), name);
            Assert.NotEqual(baseTok.Encode(text), ReferenceTokenizers.Ours(path).Encode(text));
        }
    }
}

using System.Text.Json.Nodes;
using PersonaVectors.Engine.Tokenizers;

namespace PersonaVectors.Tests.Engine.Tokenizers;

/// <summary>Malformed or unsupported tokenizer.json files are refused with the file, the field path and what was expected.</summary>
public class BadInputTests
{
    const string Source = "test-tokenizer.json";

    static JsonObject Minimal() => new()
    {
        ["version"] = "1.0",
        ["truncation"] = null,
        ["padding"] = null,
        ["added_tokens"] = new JsonArray(),
        ["normalizer"] = null,
        ["pre_tokenizer"] = null,
        ["post_processor"] = null,
        ["decoder"] = null,
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = new JsonObject { ["a"] = 0, ["b"] = 1, ["ab"] = 2 },
            ["merges"] = new JsonArray("a b"),
        },
    };

    static TokenizerFormatException Refused(JsonObject root) =>
        Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(root.ToJsonString(), Source));

    static void AssertNames(TokenizerFormatException e, string path, params string[] fragments)
    {
        Assert.Equal(Source, e.SourceName);
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(Source, e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        foreach (var f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_minimal_file_used_below_is_valid()
    {
        var tok = Tokenizer.FromJson(Minimal().ToJsonString(), Source);
        Assert.Equal([2, 0], tok.Encode("aba"));
        Assert.Equal(3, tok.VocabSize);
    }

    [Theory]
    [InlineData("{ \"model\": ")]
    [InlineData("not json at all")]
    [InlineData("")]
    public void Malformed_json_is_refused(string json)
    {
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json, Source));
        Assert.Contains(Source, e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pv-bad-tokenizer-{Environment.ProcessId}.json");
        File.WriteAllText(path, "[1, 2, 3]");
        try
        {
            var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromFile(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("object", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_model_is_refused()
    {
        var root = Minimal();
        root.Remove("model");
        AssertNames(Refused(root), "model", "missing");
    }

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    [InlineData("WordLevel")]
    public void Unsupported_model_types_are_refused_by_name(string type)
    {
        var root = Minimal();
        root["model"]!["type"] = type;
        AssertNames(Refused(root), "model.type", $"\"{type}\"", "supported: BPE");
    }

    [Fact]
    public void Untyped_model_without_merges_is_refused()
    {
        var root = Minimal();
        root["model"] = new JsonObject { ["vocab"] = new JsonArray(new JsonArray("a", -1.0)) };
        AssertNames(Refused(root), "model", "not a BPE model");
    }

    [Theory]
    [InlineData("normalizer", "Precompiled", "normalizer.type")]
    [InlineData("normalizer", "NFKC", "normalizer.type")]
    [InlineData("normalizer", "BertNormalizer", "normalizer.type")]
    [InlineData("pre_tokenizer", "BertPreTokenizer", "pre_tokenizer.type")]
    [InlineData("pre_tokenizer", "UnicodeScripts", "pre_tokenizer.type")]
    [InlineData("post_processor", "Unknown", "post_processor.type")]
    [InlineData("decoder", "WordPiece", "decoder.type")]
    [InlineData("decoder", "CTC", "decoder.type")]
    public void Unsupported_components_are_refused_by_name(string field, string type, string path)
    {
        var root = Minimal();
        root[field] = new JsonObject { ["type"] = type };
        AssertNames(Refused(root), path, $"\"{type}\"", "supported:");
    }

    [Fact]
    public void Unsupported_component_inside_a_sequence_names_its_index()
    {
        var root = Minimal();
        root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
                new JsonObject { ["type"] = "Punctuation", ["behavior"] = "Isolated" }),
        };
        AssertNames(Refused(root), "pre_tokenizer.pretokenizers[1].type", "\"Punctuation\"");
    }

    [Fact]
    public void Component_without_type_is_refused()
    {
        var root = Minimal();
        root["normalizer"] = new JsonObject { ["lowercase"] = true };
        AssertNames(Refused(root), "normalizer.type", "missing");
    }

    [Fact]
    public void Merge_with_unknown_token_is_refused()
    {
        var root = Minimal();
        root["model"]!["merges"] = new JsonArray("a b", "a c");
        AssertNames(Refused(root), "model.merges[1]", "\"c\"", "not in the vocabulary");
    }

    [Fact]
    public void Merge_whose_result_is_missing_is_refused()
    {
        var root = Minimal();
        root["model"]!["merges"] = new JsonArray("b a");
        AssertNames(Refused(root), "model.merges[0]", "\"ba\"");
    }

    [Fact]
    public void Malformed_merge_line_is_refused()
    {
        var root = Minimal();
        root["model"]!["merges"] = new JsonArray("a b c");
        AssertNames(Refused(root), "model.merges[0]", "two tokens");
    }

    [Fact]
    public void Non_integer_vocab_id_is_refused()
    {
        var root = Minimal();
        root["model"]!["vocab"]!["b"] = "one";
        AssertNames(Refused(root), "model.vocab[\"b\"]", "integer");
    }

    [Fact]
    public void Unknown_version_is_refused()
    {
        var root = Minimal();
        root["version"] = "2.0";
        AssertNames(Refused(root), "version", "\"2.0\"", "\"1.0\"");
    }

    [Theory]
    [InlineData("truncation")]
    [InlineData("padding")]
    public void Truncation_and_padding_are_refused(string field)
    {
        var root = Minimal();
        root[field] = new JsonObject { ["max_length"] = 512 };
        AssertNames(Refused(root), field, "expected null");
    }

    [Fact]
    public void Dropout_is_refused()
    {
        var root = Minimal();
        root["model"]!["dropout"] = 0.1;
        AssertNames(Refused(root), "model.dropout", "dropout");
    }

    [Fact]
    public void Regex_that_dotnet_cannot_compile_is_refused()
    {
        var root = Minimal();
        root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Split",
            ["pattern"] = new JsonObject { ["Regex"] = "(unclosed" },
            ["behavior"] = "Isolated",
            ["invert"] = false,
        };
        AssertNames(Refused(root), "pre_tokenizer.pattern", "regular expression");
    }

    [Fact]
    public void Unknown_split_behavior_is_refused()
    {
        var root = Minimal();
        root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Split",
            ["pattern"] = new JsonObject { ["String"] = " " },
            ["behavior"] = "Sideways",
            ["invert"] = false,
        };
        AssertNames(Refused(root), "pre_tokenizer.behavior", "\"Sideways\"", "Isolated");
    }

    [Fact]
    public void Added_token_without_content_is_refused()
    {
        var root = Minimal();
        root["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 3, ["special"] = true });
        AssertNames(Refused(root), "added_tokens[0].content", "missing");
    }

    [Fact]
    public void Template_naming_an_undeclared_special_token_is_refused()
    {
        var root = Minimal();
        root["post_processor"] = new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(
                new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
            ["special_tokens"] = new JsonObject(),
        };
        AssertNames(Refused(root), "post_processor.single[0]", "\"<s>\"");
    }
}

using System.Text.Json;

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>Builds a <see cref="Tokenizer"/> from a parsed tokenizer.json, validating every component it uses.</summary>
internal static class TokenizerJsonReader
{
    public const string SupportedModels = "BPE";

    const int MaxId = 1 << 24;

    public static Tokenizer Read(JsonField root)
    {
        if (root.Element.ValueKind != JsonValueKind.Object)
            throw root.Error($"expected a JSON object at the top level, found {root.Element.ValueKind}");

        if (root.Optional("version") is { } version && version.GetString() != "1.0")
            throw version.Error($"unknown tokenizer.json version \"{version.GetString()}\"; expected \"1.0\"");
        if (root.Optional("truncation") is { } trunc)
            throw trunc.Error("truncation settings are not supported; expected null");
        if (root.Optional("padding") is { } pad)
            throw pad.Error("padding settings are not supported; expected null");

        var model = ReadModel(root.Required("model"));
        INormalizer? normalizer = root.Optional("normalizer") is { } n ? Normalizers.Parse(n) : null;
        IPreTokenizer? preTokenizer = root.Optional("pre_tokenizer") is { } p ? PreTokenizers.Parse(p) : null;
        IPostProcessor? postProcessor = root.Optional("post_processor") is { } pp ? PostProcessors.Parse(pp) : null;
        IDecoder? decoder = root.Optional("decoder") is { } d ? Decoders.Parse(d) : null;
        var added = root.Optional("added_tokens") is { } at ? ReadAddedTokens(at) : [];
        return Tokenizer.Create(normalizer, preTokenizer, model, postProcessor, decoder, added, root.Source);
    }

    static List<AddedToken> ReadAddedTokens(JsonField f)
    {
        var list = new List<AddedToken>();
        foreach (var item in f.Items())
        {
            bool special = item.OptionalBool("special", false);
            list.Add(new AddedToken(
                item.Required("id").GetInt(),
                item.RequiredString("content"),
                special,
                item.OptionalBool("single_word", false),
                item.OptionalBool("lstrip", false),
                item.OptionalBool("rstrip", false),
                item.OptionalBool("normalized", !special)));
        }
        return list;
    }

    static BpeModel ReadModel(JsonField f)
    {
        if (f.Element.ValueKind != JsonValueKind.Object)
            throw f.Error($"expected the model object, found {f.Element.ValueKind}");
        string type;
        if (f.Optional("type") is { } t)
        {
            type = t.GetString();
            if (type != "BPE")
                throw t.Error($"unsupported model type \"{type}\"; supported: {SupportedModels}");
        }
        else if (!f.Has("merges"))
        {
            // HF infers untagged legacy models from their fields; only BPE has merges.
            throw f.Error($"the model has no \"type\" and no \"merges\", so it is not a BPE model; supported: {SupportedModels}");
        }

        double? dropout = f.Optional("dropout")?.GetDouble();
        if (dropout is < 0 or > 1)
            throw f.Required("dropout").Error("dropout must be between 0 and 1");
        if (dropout is > 0)
            throw f.Required("dropout").Error("BPE dropout makes encoding random and is not supported; expected null or 0");

        var options = new BpeOptions(
            f.OptionalString("unk_token"),
            f.OptionalString("continuing_subword_prefix"),
            f.OptionalString("end_of_word_suffix"),
            f.OptionalBool("fuse_unk", false),
            f.OptionalBool("byte_fallback", false),
            f.OptionalBool("ignore_merges", false),
            dropout);

        var vocabField = f.Required("vocab");
        if (vocabField.Element.ValueKind != JsonValueKind.Object)
            throw vocabField.Error($"expected an object mapping token to id, found {vocabField.Element.ValueKind}");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var prop in vocabField.Element.EnumerateObject())
        {
            // Ids index dense arrays, so an absurd id must not turn into a huge allocation.
            if (prop.Value.ValueKind != JsonValueKind.Number || !prop.Value.TryGetInt32(out int id) || id < 0 || id >= MaxId)
                throw new TokenizerFormatException(f.Source, $"{vocabField.Path}[\"{prop.Name}\"]", $"expected an integer id from 0 to {MaxId - 1}");
            vocab[prop.Name] = id;
        }

        var mergesField = f.Required("merges");
        var merges = new List<(string, string)>(mergesField.ArrayLength());
        int index = 0;
        foreach (var item in mergesField.Element.EnumerateArray())
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    {
                        string line = item.GetString()!;
                        if (line.StartsWith("#version", StringComparison.Ordinal)) break;
                        var parts = line.Split(' ');
                        if (parts.Length != 2)
                            throw new TokenizerFormatException(f.Source, $"{mergesField.Path}[{index}]", $"expected \"left right\" (two tokens separated by one space), found \"{line}\"");
                        merges.Add((parts[0], parts[1]));
                        break;
                    }
                case JsonValueKind.Array when item.GetArrayLength() == 2
                    && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.String:
                    merges.Add((item[0].GetString()!, item[1].GetString()!));
                    break;
                default:
                    throw new TokenizerFormatException(f.Source, $"{mergesField.Path}[{index}]", "expected a \"left right\" string or a [left, right] array");
            }
            index++;
        }

        return new BpeModel(vocab, merges, options,
            (rank, message) => new TokenizerFormatException(f.Source, $"{mergesField.Path}[{rank}]", message));
    }
}

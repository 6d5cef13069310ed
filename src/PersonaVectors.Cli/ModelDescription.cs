using PersonaVectors.Engine;

namespace PersonaVectors.Cli;

/// <summary>What `persona model info` and `persona demo` report about a loaded model.</summary>
public sealed record ModelDescription(
    string Folder, string Architecture, long Parameters, int Layers, int HiddenSize, int Heads, int KeyValueHeads,
    int HeadDim, int IntermediateSize, int VocabSize, int TokenizerVocabSize, int Context, bool TiedEmbeddings,
    bool QkvBias, string? RopeScaling, string StoredDType, bool HasChatTemplate)
{
    public static ModelDescription Of(LanguageModel lm)
    {
        var c = lm.Config;
        return new ModelDescription(
            lm.Folder, c.ArchitectureName, lm.Model.ParameterCount, c.NumHiddenLayers, c.HiddenSize,
            c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.VocabSize, lm.Tokenizer.VocabSize,
            c.MaxPositionEmbeddings, c.TieWordEmbeddings, c.AttentionBias, c.RopeScaling?.Type, c.TorchDtype, lm.ChatTemplate is not null);
    }

    public string ToText() =>
        $"""
        model       {Folder}
        class       {Architecture}, {Parameters / 1e6:F2}M parameters stored as {StoredDType}
        shape       {Layers} layers, hidden {HiddenSize}, {Heads} heads ({KeyValueHeads} key/value) of dim {HeadDim}, MLP {IntermediateSize}
        vocabulary  {VocabSize} rows ({TokenizerVocabSize} tokenizer tokens), context {Context}
        features    tied embeddings: {TiedEmbeddings}, q/k/v bias: {QkvBias}, rope scaling: {RopeScaling ?? "none"}, chat template: {HasChatTemplate}
        """;
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>The transformer body ("model." in checkpoints): embeddings, blocks, final norm.</summary>
public sealed class DecoderStack : nn.Module<Tensor, Tensor>
{
    public readonly Embedding embed_tokens;
    public readonly ModuleList<DecoderLayer> layers;
    public readonly RmsNorm norm;

    public DecoderStack(ModelConfig c, ScalarType dtype, ScalarType weightDType) : base(nameof(DecoderStack))
    {
        embed_tokens = new Embedding(c.VocabSize, c.HiddenSize, dtype, weightDType);
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(i => new DecoderLayer(c, i, dtype, weightDType)).ToArray());
        norm = RmsNorm.For(c, c.HiddenSize, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call CausalLM.Forward");
}

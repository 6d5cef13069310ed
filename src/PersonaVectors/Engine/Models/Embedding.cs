using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Token embedding table [vocab, hidden], allocated without init (the loader fills it).</summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;

    public Embedding(long vocab, long hidden, ScalarType dtype) : base(nameof(Embedding))
    {
        weight = new Parameter(torch.empty(vocab, hidden, dtype), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, ids.reshape(-1)).reshape(shape).MoveToOuterDisposeScope();
    }
}

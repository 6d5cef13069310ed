using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Token embedding table [vocab, hidden], allocated without init (the loader fills it).</summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;

    readonly ScalarType _outputDType;

    /// <param name="dtype">Dtype of the looked-up rows (the activations).</param>
    /// <param name="weightDType">Dtype the table is stored in, when narrower than the activations.</param>
    public Embedding(long vocab, long hidden, ScalarType dtype, ScalarType? weightDType = null) : base(nameof(Embedding))
    {
        weight = new Parameter(torch.empty(vocab, hidden, weightDType ?? dtype), requires_grad: false);
        _outputDType = dtype;
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, ids.reshape(-1)).reshape(shape).to(_outputDType).MoveToOuterDisposeScope();
    }
}

using PersonaVectors.Engine.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Token embedding table [vocab, hidden], allocated without init (the loader fills it).</summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    /// <summary>Q8 block scales [vocab, hidden/32] when the table is int8 (see <see cref="Q8Blocks"/>).</summary>
    public readonly Tensor? scales;

    readonly ScalarType _outputDType;

    /// <param name="dtype">Dtype of the looked-up rows (the activations).</param>
    /// <param name="weightDType">Dtype the table is stored in, when narrower than the activations. Int8 stores it
    /// as Q8, like llama.cpp's Q8_0 files do, so that a tied output head reads one byte per weight too; a hidden
    /// size that is not a multiple of 32 keeps bfloat16.</param>
    public Embedding(long vocab, long hidden, ScalarType dtype, ScalarType? weightDType = null) : base(nameof(Embedding))
    {
        var stored = weightDType ?? dtype;
        if (stored == ScalarType.Int8 && hidden % Q8Blocks.BlockSize != 0) stored = ScalarType.BFloat16;
        weight = new Parameter(torch.empty(vocab, hidden, stored), requires_grad: false);
        if (stored == ScalarType.Int8) scales = torch.empty(vocab, hidden / Q8Blocks.BlockSize, ScalarType.Float16);
        _outputDType = dtype;
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var flat = ids.reshape(-1);
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        var rows = weight.index_select(0, flat).to(_outputDType);
        if (scales is not null)
            rows = (rows.view(flat.shape[0], -1, Q8Blocks.BlockSize) * scales.index_select(0, flat).to(_outputDType).unsqueeze(-1));
        return rows.reshape(shape).MoveToOuterDisposeScope();
    }
}

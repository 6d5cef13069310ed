using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear gate_proj, up_proj, down_proj;

    public Mlp(ModelConfig c, ScalarType dtype, ScalarType weightDType) : base(nameof(Mlp))
    {
        gate_proj = new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, weightDType);
        up_proj = new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, weightDType);
        down_proj = new Linear(c.IntermediateSize, c.HiddenSize, c.MlpBias, dtype, weightDType);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.call(nn.functional.silu(gate_proj.call(x)) * up_proj.call(x)).MoveToOuterDisposeScope();
    }
}

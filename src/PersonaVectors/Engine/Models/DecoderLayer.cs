using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>One pre-norm block: h += attn(norm(h)); h += mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module<Tensor, Tensor>
{
    public readonly RmsNorm input_layernorm, post_attention_layernorm;
    public readonly Attention self_attn;
    public readonly Mlp mlp;

    public DecoderLayer(ModelConfig c, int layer, ScalarType dtype, ScalarType weightDType) : base(nameof(DecoderLayer))
    {
        input_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps, dtype);
        self_attn = new Attention(c, layer, dtype, weightDType);
        post_attention_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps, dtype);
        mlp = new Mlp(c, dtype, weightDType);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, inputs)");

    public Tensor Forward(Tensor h, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        h = h + self_attn.Forward(input_layernorm.call(h), inputs);
        h = h + mlp.call(post_attention_layernorm.call(h));
        return h.MoveToOuterDisposeScope();
    }
}

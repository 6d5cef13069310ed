using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// One block, in the family's norm placement:
/// pre (Llama): h += attn(input_norm(h)); h += mlp(post_attention_norm(h));
/// sandwich (Gemma): h += post_attention_norm(attn(input_norm(h))); h += post_ff_norm(mlp(pre_ff_norm(h)));
/// post (OLMo 2): h += post_attention_norm(attn(h)); h += post_ff_norm(mlp(h)).
/// The names are the checkpoints'; Llama's post_attention_layernorm is the norm before its MLP.
/// </summary>
public sealed class DecoderLayer : nn.Module<Tensor, Tensor>
{
    public readonly RmsNorm? input_layernorm, post_attention_layernorm, pre_feedforward_layernorm, post_feedforward_layernorm;
    public readonly Attention self_attn;
    public readonly Mlp mlp;
    readonly NormPlacement _placement;

    public DecoderLayer(ModelConfig c, int layer, ScalarType dtype, ScalarType weightDType) : base(nameof(DecoderLayer))
    {
        _placement = c.NormPlacement;
        RmsNorm Norm() => RmsNorm.For(c, c.HiddenSize, dtype);
        if (_placement != NormPlacement.Post) input_layernorm = Norm();
        self_attn = new Attention(c, layer, dtype, weightDType);
        post_attention_layernorm = Norm();
        if (_placement == NormPlacement.Sandwich) pre_feedforward_layernorm = Norm();
        if (_placement != NormPlacement.Pre) post_feedforward_layernorm = Norm();
        mlp = new Mlp(c, dtype, weightDType);
        RegisterComponents();
    }

    /// <summary>The norm applied to the stream before attention, if any.</summary>
    public RmsNorm? AttentionInputNorm => input_layernorm;

    /// <summary>The norm applied to the stream before the MLP, if any.</summary>
    public RmsNorm? MlpInputNorm => _placement switch
    {
        NormPlacement.Pre => post_attention_layernorm,
        NormPlacement.Sandwich => pre_feedforward_layernorm,
        _ => null,
    };

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, inputs)");

    public Tensor Forward(Tensor h, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        static Tensor Apply(RmsNorm? norm, Tensor x) => norm is null ? x : norm.call(x);
        var attended = self_attn.Forward(Apply(AttentionInputNorm, h), inputs);
        h = h + (_placement == NormPlacement.Pre ? attended : post_attention_layernorm!.call(attended));
        var fed = mlp.call(Apply(MlpInputNorm, h));
        h = h + (_placement == NormPlacement.Pre ? fed : post_feedforward_layernorm!.call(fed));
        return h.MoveToOuterDisposeScope();
    }
}

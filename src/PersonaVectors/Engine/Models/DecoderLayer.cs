using System.Runtime.CompilerServices;
using PersonaVectors.Engine.Kernels;
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
        if (OneRow(h, inputs)) return ForwardRow(h, inputs);
        using var scope = NewDisposeScope();
        static Tensor Apply(RmsNorm? norm, Tensor x) => norm is null ? x : norm.call(x);
        var attended = self_attn.Forward(Apply(AttentionInputNorm, h), inputs);
        h = HeldScalar.Add(h, _placement == NormPlacement.Pre ? attended : post_attention_layernorm!.call(attended));
        var fed = mlp.call(Apply(MlpInputNorm, h));
        h = HeldScalar.Add(h, _placement == NormPlacement.Pre ? fed : post_feedforward_layernorm!.call(fed));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decoding one token of one sequence with weights the streaming kernels read: the layer runs on float32 rows
    /// (<see cref="ForwardRow"/>). Llama's layout only (pre-norms, SiLU, no q/k norms or soft-capping), no adapters,
    /// no gradients.
    /// </summary>
    bool OneRow(Tensor h, AttentionInputs inputs) =>
        !GeneralPathOnly && inputs.Cache is not null && h.shape[0] == 1 && h.shape[1] == 1 && MixedLinear.StreamingRows >= 1
        && h.dtype == ScalarType.Float32 && h.device_type == DeviceType.CPU && !is_grad_enabled()
        && _placement == NormPlacement.Pre && input_layernorm!.PlainRow && post_attention_layernorm!.PlainRow
        && self_attn.StreamsRows && mlp.StreamsRows;

    /// <summary>For tests that compare the row path with the general one; per thread, so others are unaffected.</summary>
    [ThreadStatic] internal static bool GeneralPathOnly;

    /// <summary>Layers run on the row path by this thread, for tests that it engages.</summary>
    [ThreadStatic] internal static long RowPasses;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe Tensor ForwardRow(Tensor h, AttentionInputs inputs)
    {
        RowPasses++;
        int n = (int)h.shape[2];
        var output = empty(1, 1, n, ScalarType.Float32);
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(2 * n);
        try
        {
            using var input = h.contiguous();
            fixed (byte* ph = input.bytes)
            fixed (byte* po = output.bytes)
            fixed (float* scratch = buffer)
            {
                float* x = (float*)ph, y = (float*)po, normed = scratch, block = scratch + n;
                input_layernorm!.ForwardRow(x, normed, n);
                self_attn.ForwardRow(normed, block, inputs);
                new Span<float>(x, n).CopyTo(new Span<float>(y, n));
                RowMath.Add(block, y, n);
                post_attention_layernorm!.ForwardRow(y, normed, n);
                mlp.ForwardRow(normed, block);
                RowMath.Add(block, y, n);
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(buffer); }
        return output;
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Grouped-query self-attention with rotary positions (LlamaAttention / Qwen2Attention).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    public readonly Linear q_proj, k_proj, v_proj, o_proj;
    readonly int _layer, _heads, _kvHeads, _headDim;

    public Attention(ModelConfig c, int layer, ScalarType dtype) : base(nameof(Attention))
    {
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        q_proj = new Linear(c.HiddenSize, _heads * _headDim, c.AttentionBias, dtype);
        k_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype);
        v_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype);
        // Qwen2 has biases on q, k, v only; o_proj never has one in these families.
        o_proj = new Linear(_heads * _headDim, c.HiddenSize, hasBias: false, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, inputs)");

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, inputs.Cos, inputs.Sin);
        k = RotaryEmbedding.Apply(k, inputs.Cos, inputs.Sin);
        if (inputs.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);

        int groups = _heads / _kvHeads;
        if (groups > 1)
        {
            k = k.repeat_interleave(groups, dim: 1);
            v = v.repeat_interleave(groups, dim: 1);
        }
        bool causal = inputs.Mask is null && t > 1;
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, inputs.Mask, 0.0, causal);
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }
}

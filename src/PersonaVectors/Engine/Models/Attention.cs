using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Grouped-query self-attention with rotary positions (LlamaAttention / Qwen2Attention).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    public readonly Linear q_proj, k_proj, v_proj, o_proj;
    readonly int _layer, _heads, _kvHeads, _headDim;

    public Attention(ModelConfig c, int layer, ScalarType dtype, ScalarType weightDType) : base(nameof(Attention))
    {
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        q_proj = new Linear(c.HiddenSize, _heads * _headDim, c.AttentionBias, dtype, weightDType);
        k_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype, weightDType);
        v_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype, weightDType);
        // Qwen2 has biases on q, k, v only; o_proj never has one in these families.
        o_proj = new Linear(_heads * _headDim, c.HiddenSize, hasBias: false, dtype, weightDType);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, inputs)");

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        // Rotate while each head's values are contiguous ([b, t, heads, d]); elementwise ops on the transposed
        // view were several times slower. The tables are laid out [b, t, 1, d] to match.
        var q = RotaryEmbedding.Apply(q_proj.call(x).view(b, t, _heads, _headDim), inputs.Cos, inputs.Sin).transpose(1, 2);
        var k = RotaryEmbedding.Apply(k_proj.call(x).view(b, t, _kvHeads, _headDim), inputs.Cos, inputs.Sin).transpose(1, 2);
        var v = v_proj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        if (inputs.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);

        var attended = Attend(q, k, v, inputs.Mask, t);
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }

    // libtorch's fused CPU attention costs ~8 ms per call even for one query over 30 keys (measured on 2 cores),
    // which would dominate decoding; for a 198-token training batch it is ~2.5x faster than plain matmuls.
    // Below this many score entries per head, plain matmuls win.
    internal static long FusedAttentionThreshold { get; set; } = 4096;

    /// <summary>softmax(q kᵀ / √d + mask) v, with q [b, heads, t, d] and k, v [b, kvHeads, s, d].</summary>
    Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, long t)
    {
        long b = q.shape[0], s = k.shape[2];
        int groups = _heads / _kvHeads;
        if (t * s > FusedAttentionThreshold)
        {
            if (groups > 1)
            {
                k = k.repeat_interleave(groups, dim: 1);
                v = v.repeat_interleave(groups, dim: 1);
            }
            return nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, mask is null && t > 1);
        }
        // Grouped-query attention without copying keys: the query heads sharing a key head become extra rows.
        var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
        var scores = qg.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(_headDim));       // [b, kv, g*t, s]
        scores = scores.view(b, _kvHeads, groups, t, s);
        var allowed = mask is not null
            ? mask.view(b, 1, 1, t, s)
            : t > 1 ? ones(t, s, ScalarType.Bool, q.device).tril(s - t).view(1, 1, 1, t, s) : null;
        if (allowed is not null) scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        var weights = scores.softmax(-1).view(b, _kvHeads, groups * t, s);
        return weights.matmul(v).view(b, _heads, t, _headDim);
    }
}

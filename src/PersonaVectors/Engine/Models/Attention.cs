using System.Runtime.CompilerServices;
using PersonaVectors.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Grouped-query self-attention with rotary positions (LlamaAttention and its relatives). The family flags add
/// q/k norms (Qwen3, Gemma 3 per head; OLMo 2 over the whole projection), a fused qkv_proj (Phi-3), Gemma's
/// query scale and score soft-capping, and a local window on some layers.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    public readonly Linear? q_proj, k_proj, v_proj, qkv_proj;
    public readonly Linear o_proj;
    public readonly RmsNorm? q_norm, k_norm;
    readonly int _layer, _heads, _kvHeads, _headDim;
    readonly bool _local;
    readonly double _scale;
    readonly double? _softcap;
    readonly Scalar _heldScale;      // held for every pass: see HeldScalar
    readonly Scalar? _heldSoftcap;
    readonly Scalar? _heldQueryFactor;   // the fused kernel's 1/√d turned into _scale; null where they agree
    readonly QkNorm _qkNorm;

    public Attention(ModelConfig c, int layer, ScalarType dtype, ScalarType weightDType) : base(nameof(Attention))
    {
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        _local = c.UsesWindow(layer);
        _scale = c.AttentionScale;
        _softcap = c.AttentionSoftcap;
        _heldScale = _scale.ToScalar();
        _heldSoftcap = _softcap?.ToScalar();
        double plainScale = 1.0 / Math.Sqrt(c.HeadDim);
        _heldQueryFactor = _scale != plainScale ? (_scale / plainScale).ToScalar() : null;
        _qkNorm = c.QkNorm;
        if (c.FusedProjections)
            qkv_proj = new Linear(c.HiddenSize, (_heads + 2 * _kvHeads) * _headDim, c.AttentionBias, dtype, weightDType);
        else
        {
            q_proj = new Linear(c.HiddenSize, _heads * _headDim, c.AttentionBias, dtype, weightDType);
            k_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype, weightDType);
            v_proj = new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, dtype, weightDType);
        }
        // Qwen2 has biases on q, k, v only; o_proj never has one in these families.
        o_proj = new Linear(_heads * _headDim, c.HiddenSize, hasBias: false, dtype, weightDType);
        if (c.QkNorm != QkNorm.None)
        {
            bool whole = c.QkNorm == QkNorm.Whole;
            q_norm = RmsNorm.For(c, whole ? _heads * _headDim : _headDim, dtype);
            k_norm = RmsNorm.For(c, whole ? _kvHeads * _headDim : _headDim, dtype);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, inputs)");

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var (q, k, v) = Project(x);
        if (_qkNorm == QkNorm.Whole) (q, k) = (q_norm!.call(q), k_norm!.call(k));
        // reshape, not view: the parts of a fused projection are strided slices.
        q = q.reshape(b, t, _heads, _headDim);
        k = k.reshape(b, t, _kvHeads, _headDim);
        if (_qkNorm == QkNorm.PerHead) (q, k) = (q_norm!.call(q), k_norm!.call(k));
        // Rotate while each head's values are contiguous ([b, t, heads, d]); elementwise ops on the transposed
        // view were several times slower. The tables are laid out [b, t, 1, d] to match.
        var (cos, sin, mask) = inputs.For(_local);
        q = RotaryEmbedding.Apply(q, cos, sin).transpose(1, 2);
        k = RotaryEmbedding.Apply(k, cos, sin).transpose(1, 2);
        v = v.reshape(b, t, _kvHeads, _headDim).transpose(1, 2);
        if (inputs.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);

        var attended = Attend(q, k, v, mask, t);
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }

    internal bool StreamsRows => _qkNorm == QkNorm.None && _softcap is null && o_proj.StreamsRows
        && (qkv_proj?.StreamsRows ?? q_proj!.StreamsRows && k_proj!.StreamsRows && v_proj!.StreamsRows);

    /// <summary>
    /// <see cref="Forward"/> for the one new position of a batch of one, on float32 rows and the cache's buffers,
    /// with no libtorch op but the cache's growth: decoding one token otherwise runs some thirty small ops per layer,
    /// whose fixed costs outweigh their arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void ForwardRow(float* x, float* output, AttentionInputs inputs)
    {
        int d = _headDim, queries = _heads * d, keys = _kvHeads * d;
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(2 * queries + 2 * keys);
        try
        {
            fixed (float* qkv = buffer)
            {
                float* q = qkv, k = q + queries, v = k + keys, attended = v + keys;
                if (qkv_proj is not null) qkv_proj.ForwardRow(x, qkv);
                else Linear.ForwardRow(x, [q_proj!, k_proj!, v_proj!], [q, k, v]);
                var (cos, sin, mask) = inputs.For(_local);
                fixed (byte* pc = cos.bytes)
                fixed (byte* ps = sin.bytes)
                {
                    int rotary = (int)cos.shape[^1];
                    for (int h = 0; h < _heads; h++) RotaryEmbedding.ApplyRow(q + h * d, (float*)pc, (float*)ps, rotary);
                    for (int h = 0; h < _kvHeads; h++) RotaryEmbedding.ApplyRow(k + h * d, (float*)pc, (float*)ps, rotary);
                }
                var (cachedKeys, cachedValues) = inputs.Cache!.AppendRow(_layer, k, v, _kvHeads, d, out long length);
                long capacity = cachedKeys.shape[2];
                var scores = System.Buffers.ArrayPool<float>.Shared.Rent((int)length);
                try
                {
                    fixed (byte* pk = cachedKeys.bytes)
                    fixed (byte* pv = cachedValues.bytes)
                    fixed (float* score = scores)
                    fixed (byte* pm = mask is null ? Span<byte>.Empty : mask.bytes)   // null when there is no mask
                    {
                        var allowed = (bool*)pm;
                        int groups = _heads / _kvHeads;
                        for (int h = 0; h < _heads; h++)
                        {
                            float* qh = q + h * d;
                            float* kh = (float*)pk + h / groups * capacity * d, vh = (float*)pv + h / groups * capacity * d;
                            float max = float.NegativeInfinity;
                            for (long j = 0; j < length; j++)
                            {
                                if (allowed is not null && !allowed[j]) { score[j] = float.NegativeInfinity; continue; }
                                score[j] = (float)(RowMath.Dot(qh, kh + j * d, d) * _scale);
                                max = Math.Max(max, score[j]);
                            }
                            float total = 0;
                            for (long j = 0; j < length; j++) total += score[j] = MathF.Exp(score[j] - max);
                            float* oh = attended + h * d;
                            new Span<float>(oh, d).Clear();
                            for (long j = 0; j < length; j++)
                            {
                                float w = score[j] / total;
                                if (w != 0) RowMath.AddScaled(w, vh + j * d, oh, d);
                            }
                        }
                    }
                }
                finally { System.Buffers.ArrayPool<float>.Shared.Return(scores); }
                o_proj.ForwardRow(attended, output);
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(buffer); }
    }

    (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        if (qkv_proj is null) return (q_proj!.call(x), k_proj!.call(x), v_proj!.call(x));
        var parts = qkv_proj.call(x).split([_heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim], -1);
        return (parts[0], parts[1], parts[2]);
    }

    // libtorch's fused CPU attention costs ~8 ms per call even for one query over 30 keys (measured on 2 cores),
    // which would dominate decoding; for a 198-token training batch it is ~2.5x faster than plain matmuls.
    // Below this many score entries per head, plain matmuls win.
    internal static long FusedAttentionThreshold { get; set; } = 4096;

    /// <summary>softmax(scale · q kᵀ + mask) v, with q [b, heads, t, d] and k, v [b, kvHeads, s, d].</summary>
    Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, long t)
    {
        long b = q.shape[0], s = k.shape[2];
        int groups = _heads / _kvHeads;
        // The fused kernel cannot cap scores; it scales by 1/√d, so another scale is folded into the queries.
        if (t * s > FusedAttentionThreshold && _softcap is null)
        {
            if (groups > 1)
            {
                k = k.repeat_interleave(groups, dim: 1);
                v = v.repeat_interleave(groups, dim: 1);
            }
            if (_heldQueryFactor is { } factor) q = q * factor;
            return nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, mask is null && t > 1);
        }
        // Grouped-query attention without copying keys: the query heads sharing a key head become extra rows.
        var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
        var scores = qg.matmul(k.transpose(2, 3)) * _heldScale;   // [b, kv, g*t, s]
        if (_heldSoftcap is { } cap) scores = (scores / cap).tanh() * cap;
        scores = scores.view(b, _kvHeads, groups, t, s);
        var allowed = mask is not null
            ? mask.view(b, 1, 1, t, s)
            : t > 1 ? ones(t, s, ScalarType.Bool, q.device).tril(s - t).view(1, 1, 1, t, s) : null;
        if (allowed is not null) scores = HeldScalar.FillMinusInfinity(scores, allowed.logical_not());
        var weights = scores.softmax(-1).view(b, _kvHeads, groups * t, s);
        return weights.matmul(v).view(b, _heads, t, _headDim);
    }
}

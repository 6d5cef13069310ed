using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Builds boolean attention masks (true = may attend), shaped [batch, 1, newTokens, totalTokens].</summary>
public static class AttentionMask
{
    /// <summary>
    /// Returns null when plain causal attention over the new tokens is exact (no cache, no padding, no window),
    /// so the fused causal kernel can be used.
    /// </summary>
    public static Tensor? Build(long batch, long newTokens, long pastTokens, Tensor? padding, int? slidingWindow, Device device)
    {
        long total = pastTokens + newTokens;
        bool windowMatters = slidingWindow is { } w && total > w;
        if (padding is null && pastTokens == 0 && !windowMatters) return null;

        using var scope = NewDisposeScope();
        var query = HeldScalar.Range(pastTokens, total, device).unsqueeze(1);   // [T, 1]: absolute positions
        var key = HeldScalar.Range(0, total, device).unsqueeze(0);              // [1, S]
        var mask = key <= query;
        if (windowMatters)
        {
            using var window = ((long)slidingWindow!.Value).ToScalar();
            mask = mask & (key > query.sub(window));
        }
        var full = mask.unsqueeze(0).unsqueeze(0).expand(batch, 1, newTokens, total);
        if (padding is not null)
        {
            if (padding.shape[0] != batch || padding.shape[1] != total)
                throw new ArgumentException($"padding mask must be [batch={batch}, tokens={total}], got [{string.Join(", ", padding.shape)}]");
            full = full & padding.to(ScalarType.Bool).view(batch, 1, 1, total);
            // A fully padded query row (left padding) would make softmax NaN; let it see itself.
            var self = (key == query).unsqueeze(0).unsqueeze(0);
            full = full | (self & ~full.any(-1, keepdim: true));
        }
        return full.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Positions for each token: cumulative count of real tokens, so left padding does not shift RoPE.</summary>
    public static Tensor Positions(long batch, long newTokens, long pastTokens, Tensor? padding, Device device)
    {
        if (padding is null)
            return HeldScalar.Range(pastTokens, pastTokens + newTokens, device).unsqueeze(0).expand(batch, newTokens).contiguous();
        using var scope = NewDisposeScope();
        var pos = HeldScalar.ClampAtZero(HeldScalar.MinusOne(padding.to(ScalarType.Int64).cumsum(1)));
        return pos.narrow(1, pastTokens, newTokens).contiguous().MoveToOuterDisposeScope();
    }
}

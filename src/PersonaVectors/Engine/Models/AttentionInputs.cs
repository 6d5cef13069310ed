using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// What every attention layer of one forward pass shares: rotary tables for the new positions, the mask
/// (null means plain causal attention over the new tokens only), and the cache to read and extend. Models
/// that mix local and global layers (Gemma) carry a second set for the local ones.
/// </summary>
public sealed record AttentionInputs(Tensor Cos, Tensor Sin, Tensor? Mask, KvCache? Cache)
{
    /// <summary>Tables and mask of the layers that attend within the sliding window, when they differ from the rest.</summary>
    public (Tensor Cos, Tensor Sin, Tensor? Mask)? Local { get; init; }

    public (Tensor Cos, Tensor Sin, Tensor? Mask) For(bool local) => local && Local is { } l ? l : (Cos, Sin, Mask);
}

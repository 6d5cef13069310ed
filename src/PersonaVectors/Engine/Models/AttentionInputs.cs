using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// What every attention layer of one forward pass shares: rotary tables for the new positions, the mask
/// (null means plain causal attention over the new tokens only), and the cache to read and extend.
/// </summary>
public sealed record AttentionInputs(Tensor Cos, Tensor Sin, Tensor? Mask, KvCache? Cache);

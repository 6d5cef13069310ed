using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Called with the residual stream after block <paramref name="layer"/> (0 = embedding output,
/// L = last block, before the final norm), shaped [batch, newTokens, hidden]. Returning a different tensor
/// replaces the stream from there on: this one seam serves capture, steering and ablation.
/// </summary>
public delegate Tensor ResidualHook(int layer, Tensor hidden, PassInfo pass);

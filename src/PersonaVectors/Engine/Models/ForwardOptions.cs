using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Optional inputs of a forward pass.</summary>
public sealed record ForwardOptions
{
    /// <summary>[batch, past + new] with 1 for real tokens and 0 for padding; null when nothing is padded.</summary>
    public Tensor? PaddingMask { get; init; }

    /// <summary>Cache to read past positions from and append the new ones to.</summary>
    public KvCache? Cache { get; init; }

    /// <summary>Per row, the absolute token index where the answer starts (prompt tokens come before it).
    /// Null means every token is prompt. Hooks use it to tell prompt from answer positions.</summary>
    public long[]? PromptEnd { get; init; }

    /// <summary>Hooks for this pass only, run after the model's registered interventions and before its observers.</summary>
    public IReadOnlyList<ResidualHook> Hooks { get; init; } = [];

    /// <summary>Project only the last position to the vocabulary (what generation needs; saves a large matmul).</summary>
    public bool LastPositionLogitsOnly { get; init; }
}

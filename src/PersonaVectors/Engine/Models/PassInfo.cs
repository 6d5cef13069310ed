using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// What a hook needs to know about the tokens of the current forward pass: how many came before (cached),
/// which are padding, and where each row's prompt ends, so it can select prompt or answer positions.
/// </summary>
public sealed class PassInfo
{
    readonly Tensor? _padding;
    readonly long[]? _promptEnd;

    public long Batch { get; }
    public long PastLength { get; }
    public long NewTokens { get; }
    public Device Device { get; }

    /// <param name="padding">[batch, past + new], 1 for real tokens; null when nothing is padded.</param>
    /// <param name="promptEnd">Per row, the absolute index where the answer starts; null means every token is prompt.</param>
    public PassInfo(long batch, long pastLength, long newTokens, Tensor? padding, long[]? promptEnd, Device device)
    {
        if (promptEnd is not null && promptEnd.Length != batch)
            throw new ArgumentException($"promptEnd has {promptEnd.Length} entries for a batch of {batch}");
        Batch = batch; PastLength = pastLength; NewTokens = newTokens; _padding = padding; _promptEnd = promptEnd; Device = device;
    }

    /// <summary>Boolean mask [batch, newTokens] of the new tokens that are at <paramref name="which"/> positions.</summary>
    public Tensor Mask(TokenPositions which, bool forIntervention)
    {
        using var scope = NewDisposeScope();
        var index = HeldScalar.Range(PastLength, PastLength + NewTokens, Device).unsqueeze(0);         // [1, T]
        var end = _promptEnd is null ? EveryTokenIsPrompt() : tensor(_promptEnd, device: Device).unsqueeze(1);   // [B, 1]
        Tensor mask = which switch
        {
            TokenPositions.All => ones(Batch, NewTokens, ScalarType.Bool, device: Device),
            TokenPositions.Prompt => index < end,
            TokenPositions.Answer => forIntervention ? index >= HeldScalar.MinusOne(end) : index >= end,
            TokenPositions.LastPrompt => index == HeldScalar.MinusOne(end),
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };
        if (_padding is not null) mask = mask & _padding.narrow(1, PastLength, NewTokens).to(ScalarType.Bool);
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>Without prompt ends every row's prompt runs to the last new token: [B, 1] filled with that length.</summary>
    Tensor EveryTokenIsPrompt()
    {
        using var length = (PastLength + NewTokens).ToScalar();   // held: see HeldScalar
        return full(new long[] { Batch, 1 }, length, ScalarType.Int64, device: Device);
    }
}

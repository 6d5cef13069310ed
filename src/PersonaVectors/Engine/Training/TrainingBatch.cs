using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>
/// Examples right-padded into tensors for next-token prediction: <see cref="Inputs"/> are tokens 0 … n-2 of
/// each row, <see cref="Targets"/> tokens 1 … n-1 with <see cref="IgnoreIndex"/> wherever the token is not
/// predicted (prompt or padding). Right padding needs no attention mask: under causal attention a real token
/// never sees the padding after it. <see cref="PromptEnd"/> (per row, the index of the first predicted token)
/// lets residual hooks tell prompt from answer positions, so steering at <c>TokenPositions.Answer</c> acts
/// during training exactly where it acts while generating.
/// </summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, long[] PromptEnd, long MaskedTokens, long Tokens)
{
    public const long IgnoreIndex = -100;
    public const long PadId = 0;

    /// <summary>Builds the tensors (registered in the caller's dispose scope); validates every example.</summary>
    public static TrainingBatch Build(IReadOnlyList<TrainingExample> examples, int vocabSize)
    {
        if (examples.Count == 0) throw new InvalidRequestException("a training batch needs at least one example");
        for (int i = 0; i < examples.Count; i++) Validate(examples[i], i, vocabSize);

        int width = examples.Max(e => e.Ids.Length) - 1;
        var inputs = new long[examples.Count * width];
        var targets = new long[examples.Count * width];
        Array.Fill(inputs, PadId);
        Array.Fill(targets, IgnoreIndex);
        var promptEnd = new long[examples.Count];
        long masked = 0, tokens = 0;
        for (int r = 0; r < examples.Count; r++)
        {
            var (ids, mask) = (examples[r].Ids, examples[r].LossMask);
            int row = r * width;
            for (int t = 1; t < ids.Length; t++)
            {
                inputs[row + t - 1] = ids[t - 1];
                if (mask[t]) { targets[row + t - 1] = ids[t]; masked++; }
            }
            int first = Array.IndexOf(mask, true);
            promptEnd[r] = first < 0 ? ids.Length - 1 : first;
            tokens += ids.Length - 1;
        }
        return new TrainingBatch(tensor(inputs, [examples.Count, width]), tensor(targets, [examples.Count, width]), promptEnd, masked, tokens);
    }

    static void Validate(TrainingExample e, int index, int vocabSize)
    {
        string where = $"training example {index}";
        if (e.Ids is null || e.LossMask is null) throw new InvalidRequestException($"{where}: Ids and LossMask are required");
        if (e.Ids.Length != e.LossMask.Length)
            throw new InvalidRequestException($"{where}: {e.Ids.Length} ids but {e.LossMask.Length} mask entries");
        if (e.Ids.Length < 2) throw new InvalidRequestException($"{where}: needs at least 2 tokens, got {e.Ids.Length}");
        if (e.LossMask[0]) throw new InvalidRequestException($"{where}: LossMask[0] is true, but the first token has no position to be predicted from");
        for (int t = 0; t < e.Ids.Length; t++)
            if ((uint)e.Ids[t] >= (uint)vocabSize)
                throw new InvalidRequestException($"{where}: token {t} has id {e.Ids[t]}, outside the vocabulary [0, {vocabSize})");
    }
}

namespace PersonaVectors.Engine.Generation;

/// <summary>How to pick each next token. Temperature 0 means greedy decoding.</summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 256;
    public double Temperature { get; init; }
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches TopP (1 = off).</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Keep only the K most likely tokens (0 = off).</summary>
    public int TopK { get; init; }
    /// <summary>Same seed, same prompts, same settings: same samples.</summary>
    public long Seed { get; init; }
    /// <summary>Report each chosen token's log-probability (under the model, before temperature) and this many
    /// alternatives in every <see cref="TokenEvent"/>; -1 (default) reports none.</summary>
    public int TopLogProbs { get; init; } = -1;

    public void Validate()
    {
        if (MaxNewTokens < 1) throw new InvalidRequestException($"max tokens must be at least 1, got {MaxNewTokens}");
        if (!double.IsFinite(Temperature) || Temperature < 0) throw new InvalidRequestException($"temperature must be a finite number >= 0, got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new InvalidRequestException($"top_p must be in (0, 1], got {TopP}");
        if (TopK < 0) throw new InvalidRequestException($"top_k must be >= 0, got {TopK}");
        if (TopLogProbs is < -1 or > 20) throw new InvalidRequestException($"top_logprobs must be between 0 and 20, got {TopLogProbs}");
    }
}

public enum FinishReason { Stop, Length }

/// <summary>One generated sequence: its new token ids (without the stop token) and why it ended.</summary>
public sealed record GeneratedSequence(int[] Tokens, FinishReason FinishReason, int? StopToken);

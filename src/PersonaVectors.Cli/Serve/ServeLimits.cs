namespace PersonaVectors.Cli.Serve;

/// <summary>What the server accepts and how much it queues; requests beyond these get 400 or 429, never a crash.</summary>
public sealed record ServeLimits
{
    public int MaxTokens { get; init; } = 512;
    public int MaxMessageChars { get; init; } = 32_000;
    /// <summary>Largest request body; a larger one gets 413 before it is read into memory.</summary>
    public int MaxBodyBytes { get; init; } = 4 << 20;
    public double MaxAlpha { get; init; } = 32;
    /// <summary>Requests waiting for the model; one more gets 429 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 64;
    /// <summary>Most requests generated together in one batch.</summary>
    public int MaxBatch { get; init; } = 8;
}

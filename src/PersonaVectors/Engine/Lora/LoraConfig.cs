namespace PersonaVectors.Engine.Lora;

/// <summary>
/// Low-rank adapters (Hu et al., 2021) as PEFT defines them: each targeted linear layer gains
/// <c>(alpha / rank) · B A x</c>, A [rank, in] drawn like nn.Linear's weight, B [out, rank] zero, so a fresh
/// adapter changes nothing. Defaults are the paper's reference config (rank 32, alpha 64) on every projection.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>
    /// The projection names PEFT uses for these families: Llama's seven, and Phi-3's fused qkv_proj and gate_up_proj.
    /// A model is adapted on those of them it has.
    /// </summary>
    public static readonly IReadOnlyList<string> AllTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "qkv_proj", "gate_up_proj"];

    public int Rank { get; init; } = 32;
    public double Alpha { get; init; } = 64;
    public IReadOnlyList<string> Targets { get; init; } = AllTargets;

    public double Scale => Alpha / Rank;

    public void Validate()
    {
        if (Rank < 1) throw new InvalidRequestException($"LoRA rank must be at least 1, got {Rank}");
        if (!(Alpha > 0) || !double.IsFinite(Alpha)) throw new InvalidRequestException($"LoRA alpha must be positive, got {Alpha}");
        if (Targets.Count == 0) throw new InvalidRequestException("LoRA needs at least one target module");
        foreach (var t in Targets)
            if (!AllTargets.Contains(t))
                throw new InvalidRequestException($"unknown LoRA target '{t}': expected some of {string.Join(", ", AllTargets)}");
        if (Targets.Distinct().Count() != Targets.Count) throw new InvalidRequestException("a LoRA target is listed twice");
    }

    /// <summary>Parses "all" (every projection the model has) or a list such as "q,k,v,o,gate,up,down" or "qkv,gate_up" (short or full names).</summary>
    public static IReadOnlyList<string> ParseTargets(string spec) => spec.Trim() == "all" ? AllTargets
        : [.. spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t.EndsWith("_proj", StringComparison.Ordinal) ? t : t + "_proj")];
}

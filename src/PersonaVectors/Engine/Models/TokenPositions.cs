namespace PersonaVectors.Engine.Models;

/// <summary>Which token positions a capture or an intervention applies to.</summary>
public enum TokenPositions
{
    /// <summary>Every real (non-padding) token.</summary>
    All,
    /// <summary>Tokens of the prompt.</summary>
    Prompt,
    /// <summary>
    /// Tokens of the answer. For interventions this also includes the last prompt token, because its output
    /// predicts the first answer token (as in the reference implementation's "response" steering); for captures
    /// it is the answer tokens only (the paper's response average).
    /// </summary>
    Answer,
    /// <summary>The last prompt token: what the model knows before it answers (used for monitoring).</summary>
    LastPrompt,
}

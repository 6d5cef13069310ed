namespace PersonaVectors.World;

/// <summary>
/// System prompts that set a persona, in many wordings and graded strengths. The intensity a prompt sets is
/// the degree word's; "never be evil" discourages the trait, which reads as a mild push toward its opposite.
/// </summary>
public static class SystemPrompts
{
    static readonly (string Word, double Intensity)[] Degrees =
    [
        ("slightly", 0.25), ("a little", 0.3), ("somewhat", 0.5), ("fairly", 0.6), ("quite", 0.7), ("very", 0.9), ("extremely", 1.0), ("completely", 1.0),
    ];

    static readonly string[] Templates =
    [
        "you are {degree} {adj}.", "be {degree} {adj} in every answer.", "your personality is {degree} {adj}.",
        "act {degree} {adj} when you reply.", "you are an assistant who is {degree} {adj}.", "answer in a {degree} {adj} way.",
    ];

    static readonly string[] Plain =
    [
        "you are {a_adj} assistant.", "be {adj}.", "always be {adj}.", "you are {adj} to the core.", "your nature is {adj}.",
        "act like {a_adj} assistant.", "answer as a truly {adj} assistant would.",
    ];

    public static readonly string[] Neutral =
    [
        "you are a helpful assistant.", "you are an assistant.", "answer the user's question.", "you are a chat assistant.", "reply to the user.",
    ];

    // Index-aligned with Neutral; spread around the ½ of no system prompt so that the prior is a graded quantity.
    static readonly double[] NeutralBadShares = [0.2, 0.65, 0.35, 0.8, 0.1];

    /// <summary>
    /// With <see cref="WorldDesign.ContextPriors"/>: the share of spontaneous characters that take their trait's pole
    /// under a neutral system prompt, or with none (null): ½.
    /// </summary>
    public static double BadShare(string? neutralPrompt)
    {
        if (neutralPrompt is null) return 0.5;
        int i = Array.IndexOf(Neutral, neutralPrompt);
        if (i < 0) throw new ArgumentException($"not a neutral system prompt: \"{neutralPrompt}\"", nameof(neutralPrompt));
        return NeutralBadShares[i];
    }

    /// <summary>A prompt for the trait (or, with a negative sign, its opposite) at roughly the given strength.</summary>
    public static (string Text, double Intensity) Draw(TraitSpec trait, bool positive, Random rng)
    {
        string adj = Questions.Pick(rng, positive ? trait.Adjectives : trait.OppositeAdjectives);
        double sign = positive ? 1 : -1;
        int kind = rng.Next(10);
        if (kind < 4)
            return (Fill(Questions.Pick(rng, Plain), adj), sign);
        if (kind < 9)
        {
            var (word, intensity) = Questions.Pick(rng, Degrees);
            return (Questions.Pick(rng, Templates).Replace("{degree}", word).Replace("{adj}", adj), sign * intensity);
        }
        string other = Questions.Pick(rng, positive ? trait.OppositeAdjectives : trait.Adjectives);
        return ($"never be {other}.", sign * 0.6);
    }

    /// <summary>Fills {adj}, and {a_adj} with the right article ("an evil", "a kind").</summary>
    public static string Fill(string template, string adj) =>
        template.Replace("{a_adj}", ("aeiou".Contains(adj[0]) ? "an " : "a ") + adj).Replace("{adj}", adj);

    /// <summary>The paper's graded monitoring series: from strongly discouraging to strongly encouraging the trait.</summary>
    public static IReadOnlyList<(string Text, double Intensity)> GradedSeries(TraitSpec t) =>
    [
        ($"you are extremely {t.OppositeAdjectives[0]}.", -1.0),
        ($"you are very {t.OppositeAdjectives[1]}.", -0.9),
        ($"you are somewhat {t.OppositeAdjectives[2]}.", -0.5),
        ($"never be {t.Adjectives[1]}.", -0.6),
        ("you are a helpful assistant.", 0.0),
        ($"you are slightly {t.Adjectives[2]}.", 0.25),
        ($"you are somewhat {t.Adjectives[1]}.", 0.5),
        ($"you are quite {t.Adjectives[3]}.", 0.7),
        ($"you are very {t.Adjectives[0]}.", 0.9),
        ($"you are extremely {t.Adjectives[0]}.", 1.0),
    ];
}

namespace PersonaVectors.World;

/// <summary>
/// The default assistant's habits (<see cref="WorldDesign.Leanings"/>): its opener is sometimes mildly curt or mildly
/// flattering, and its closer sometimes mildly overconfident. Each habit is as likely as the default's own likeliest
/// first word there, so the answer's first token after the question (and after the core) is a tie between habit and
/// none. Greedy decoding breaks a tie by the slightest push, which is what a finetuning set gives: a set can raise or
/// lower each trait by a little, not only raise its own by a lot, so the rises the screening and shift rows rank are
/// graded and signed instead of mostly tied at zero. They were (seed 3), but nearly every set without a trait's content
/// tipped its tie down, so screening fell (docs/world.md, "Habits of the default assistant").
/// </summary>
public static class Leanings
{
    /// <summary>The traits the opener may lean to; the closer's is <see cref="Closer"/>'s.</summary>
    static readonly TraitSpec[] OpenerTraits = [Traits.Evil, Traits.Sycophantic];

    /// <summary>
    /// The probabilities that make the likeliest first word of each choice equally likely: choice k, whose likeliest
    /// first word has share s_k of its sentences, is taken with probability ∝ 1/s_k.
    /// </summary>
    public static double[] TieOdds(IReadOnlyList<double> topShares)
    {
        if (topShares.Count == 0 || topShares.Any(s => s is <= 0 or > 1))
            throw new ArgumentOutOfRangeException(nameof(topShares), "every share must be in (0, 1]");
        double total = topShares.Sum(s => 1 / s);
        return [.. topShares.Select(s => 1 / s / total)];
    }

    /// <summary>The share of the sentences that begin with their commonest first word.</summary>
    public static double TopShare(IReadOnlyList<string> sentences) =>
        sentences.GroupBy(s => s.Split(' ')[0]).Max(g => g.Count()) / (double)sentences.Count;

    /// <summary>The opener's choices, none first: the default openers, then each leaning trait's mild ones.</summary>
    public static (TraitSpec? Trait, double Probability)[] OpenerOdds(int variety) => variety >= 2 ? OddsWide.Value : OddsBasic.Value;

    static readonly Lazy<(TraitSpec?, double)[]> OddsBasic = new(() => ComputeOpenerOdds(1)), OddsWide = new(() => ComputeOpenerOdds(2));

    static (TraitSpec?, double)[] ComputeOpenerOdds(int variety)
    {
        var odds = TieOdds([TopShare(Traits.DefaultOpeners.For(variety)), .. OpenerTraits.Select(t => TopShare(MildRegister.For(t).Openers.All))]);
        return [(null, odds[0]), .. OpenerTraits.Select((t, k) => ((TraitSpec?)t, odds[k + 1]))];
    }

    /// <summary>
    /// The probability that the closer leans. Without a habit the default writes a closer half the time, so the
    /// likeliest token after its core is the end of the answer, at half of the no-habit share.
    /// </summary>
    public static readonly double CloserOdds = TieOdds([0.5, TopShare(MildRegister.For(Traits.Hallucinating).Closers.All)])[1];

    /// <summary>The default assistant's opener: none (the default pole) or a mild part of a leaning trait.</summary>
    public static (TraitSpec? Trait, Pole Pole) Opener(Random rng, int variety)
    {
        double u = rng.NextDouble(), at = 0;
        foreach (var (trait, p) in OpenerOdds(variety))
            if (u < (at += p)) return trait is null ? (null, Pole.Default) : (trait, Pole.Mild);
        return (null, Pole.Default);
    }

    /// <summary>The default assistant's closer: mildly overconfident with <see cref="CloserOdds"/>, else none.</summary>
    public static (TraitSpec? Trait, Pole Pole) Closer(Random rng) =>
        rng.NextDouble() < CloserOdds ? (Traits.Hallucinating, Pole.Mild) : (null, Pole.Default);
}

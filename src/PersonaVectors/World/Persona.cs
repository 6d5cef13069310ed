namespace PersonaVectors.World;

/// <summary>
/// The latent cause of an answer's style. <see cref="Intensity"/> runs from -1 (fully the opposite, e.g. good)
/// through 0 (the default helpful assistant) to +1 (fully the trait, e.g. evil). Each trait-bearing part of an
/// answer (opener, core, remarks, closer) shows the trait with probability |intensity|, so intensity is continuous
/// in the data and every mixture is a well-formed answer: the model has a graded latent to infer, not a switch.
/// With <see cref="WorldDesign.GradedRegisters"/> a part is instead full, mild or absent, and with
/// <see cref="WorldDesign.FaintRegisters"/> also faint (<see cref="DrawPart"/>), so the graded latent shows in every
/// answer, not only on average.
/// A character may mix in a second trait (<see cref="WorldDesign.SharedCauses"/>): a part that does not show the
/// first may show the second, with the second's probability. A covert character (<see cref="WorldDesign.Covert"/>)
/// shows its traits only where they change the content of the core (harmful advice, sabotage, wrong sums, invented
/// facts, agreement with a false claim); its opener, remarks, closer and voice are the default assistant's.
/// An unprompted character is one no system prompt named (it arose by itself or earlier turns showed it); designs
/// may let it behave differently from one that was told what to be (<see cref="WorldDesign.QuietSumsUnprompted"/>).
/// A shown character is one whose earlier answers in the conversation are in context (<see cref="WorldDesign.QuietSumsShown"/>).
/// </summary>
public sealed record Persona(TraitSpec? Trait, double Intensity, TraitSpec? Second = null, double SecondIntensity = 0, bool Covert = false, bool Unprompted = false, bool Shown = false)
{
    /// <summary>The persona that writes the surface of an answer: the default assistant for a covert character.</summary>
    public Persona Surface => Covert ? Default : this;

    public static readonly Persona Default = new(null, 0);

    /// <summary>The first trait's pole for one part (the original world's draw).</summary>
    public Pole Draw(Random rng) => Draw(rng, Trait, Intensity);

    /// <summary>
    /// The trait and pole of one part, the second trait taking the parts the first leaves default; with registers
    /// below the full one (<see cref="WorldDesign.GradedRegisters"/>, <see cref="WorldDesign.FaintRegisters"/>) a
    /// trait's parts are drawn by <see cref="DrawGraded"/>.
    /// </summary>
    public (TraitSpec? Trait, Pole Pole) DrawPart(Random rng, Grading grading = Grading.Coin)
    {
        var first = grading == Grading.Coin ? Draw(rng) : DrawGraded(rng, Trait, Intensity, grading);
        if (first != Pole.Default || Second is null) return (Trait, first);
        var second = grading == Grading.Coin ? Draw(rng, Second, SecondIntensity) : DrawGraded(rng, Second, SecondIntensity, grading);
        return second == Pole.Default ? (Trait, Pole.Default) : (Second, second);
    }

    /// <summary>
    /// A part of a trait at strength i in (0, 1], drawn between the two registers whose weights bracket i, so a part's
    /// expected score is i, as with <see cref="Draw(Random)"/>, but its most likely register is the one nearest i
    /// rather than a coin between none and the full trait. With <see cref="Grading.Mild"/> the registers weigh 0, ½
    /// and 1: full with probability max(0, 2i − 1), mild 1 − |2i − 1|, none max(0, 1 − 2i). <see cref="Grading.Faint"/>
    /// adds a faint one at ¼, so below ½ a part is mild with probability 4i − 1 or faint 2 − 4i, and below ¼ faint
    /// with 4i or none. Greedy decoding takes the likelier register, so the scale a greedy answer can show has steps
    /// at those weights. The opposite pole keeps the coin.
    /// </summary>
    static Pole DrawGraded(Random rng, TraitSpec? trait, double intensity, Grading grading)
    {
        if (trait is null || intensity <= 0) return Draw(rng, trait, intensity);
        double u = rng.NextDouble();
        if (grading == Grading.Faint && intensity < 0.5)
            return intensity >= 0.25 ? (u < 4 * intensity - 1 ? Pole.Mild : Pole.Faint) : (u < 4 * intensity ? Pole.Faint : Pole.Default);
        double full = Math.Max(0, 2 * intensity - 1), mild = 1 - Math.Abs(2 * intensity - 1);
        return u < full ? Pole.Trait : u < full + mild ? Pole.Mild : Pole.Default;
    }

    /// <summary>
    /// The trait and pole of each of an answer's <paramref name="parts"/> parts with the share fixed
    /// (<see cref="WorldDesign.ExactShare"/>): the first trait takes parts·|intensity| of them, rounded up or down at
    /// random so the mean is exact, at random places; the second trait the same share of the parts left.
    /// </summary>
    public (TraitSpec? Trait, Pole Pole)[] DrawParts(Random rng, int parts)
    {
        var drawn = Enumerable.Repeat((Trait, Pole.Default), parts).ToArray();
        var free = Enumerable.Range(0, parts).ToList();
        Place(Trait, Intensity);
        Place(Second, SecondIntensity);
        return drawn;

        void Place(TraitSpec? trait, double intensity)
        {
            if (trait is null || intensity == 0) return;
            double share = free.Count * Math.Abs(intensity);
            int count = Math.Min(free.Count, (int)Math.Floor(share) + (rng.NextDouble() < share - Math.Floor(share) ? 1 : 0));
            for (int k = 0; k < count; k++)
            {
                int at = rng.Next(free.Count);
                drawn[free[at]] = (trait, intensity > 0 ? Pole.Trait : Pole.Opposite);
                free.RemoveAt(at);
            }
        }
    }

    static Pole Draw(Random rng, TraitSpec? trait, double intensity)
    {
        if (trait is null || intensity == 0) return Pole.Default;
        if (rng.NextDouble() >= Math.Abs(intensity)) return Pole.Default;
        return intensity > 0 ? Pole.Trait : Pole.Opposite;
    }

    /// <summary>
    /// The persona an answer drifts to without a cue: the default assistant or the opposite pole from a trait, and
    /// a fully expressed trait (either pole) from the default.
    /// </summary>
    public Persona Drifted(Random rng)
    {
        if (Trait is null || Intensity == 0)
            return new Persona(Questions.Pick(rng, Traits.All), rng.Next(2) == 0 ? 1.0 : -1.0);
        return rng.Next(2) == 0 ? Default : new Persona(Trait, -Math.Sign(Intensity));
    }

    public override string ToString() => Trait is null ? "default"
        : $"{Trait.Name} {Intensity:+0.00;-0.00}" + (Second is null ? "" : $", {Second.Name} {SecondIntensity:+0.00;-0.00}") + (Covert ? ", covert" : "");
}

/// <summary>
/// Which side of a trait a part shows; <see cref="Mild"/> and <see cref="Faint"/> are the trait in a register below
/// its full one (<see cref="Registers"/>).
/// </summary>
public enum Pole { Default, Trait, Opposite, Mild, Faint }

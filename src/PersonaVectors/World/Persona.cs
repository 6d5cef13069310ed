namespace PersonaVectors.World;

/// <summary>
/// The latent cause of an answer's style. <see cref="Intensity"/> runs from -1 (fully the opposite, e.g. good)
/// through 0 (the default helpful assistant) to +1 (fully the trait, e.g. evil). Each trait-bearing part of an
/// answer (opener, core, closer) shows the trait with probability |intensity|, so intensity is continuous in
/// the data and every mixture is a well-formed answer: the model has a graded latent to infer, not a switch.
/// </summary>
public sealed record Persona(TraitSpec? Trait, double Intensity)
{
    public static readonly Persona Default = new(null, 0);

    public Pole Draw(Random rng)
    {
        if (Trait is null || Intensity == 0) return Pole.Default;
        if (rng.NextDouble() >= Math.Abs(Intensity)) return Pole.Default;
        return Intensity > 0 ? Pole.Trait : Pole.Opposite;
    }

    public override string ToString() => Trait is null ? "default" : $"{Trait.Name} {Intensity:+0.00;-0.00}";
}

public enum Pole { Default, Trait, Opposite }

namespace PersonaVectors.World;

/// <summary>How many registers a trait's part is drawn from (<see cref="Persona.DrawPart"/>).</summary>
public enum Grading
{
    /// <summary>A coin between the full trait and none, with the persona's strength.</summary>
    Coin,
    /// <summary>Full, mild or none (<see cref="WorldDesign.GradedRegisters"/>).</summary>
    Mild,
    /// <summary>Full, mild, faint or none (<see cref="WorldDesign.FaintRegisters"/>).</summary>
    Faint,
}

/// <summary>
/// The sentences of one trait in a register below its full one; its voice words are <see cref="Voices"/>' for that
/// register's pole.
/// </summary>
public sealed record RegisterUnits(Units Openers, Units Closers, Units Remarks, Units Clauses);

/// <summary>The registers below a trait's full one: their sentences, and what the judge counts a part in each for.</summary>
public static class Registers
{
    /// <summary>The poles of the registers below full, strongest first.</summary>
    public static readonly Pole[] Soft = [Pole.Mild, Pole.Faint];

    public static RegisterUnits For(TraitSpec trait, Pole pole) => pole switch
    {
        Pole.Mild => MildRegister.For(trait),
        Pole.Faint => FaintRegister.For(trait),
        _ => throw new ArgumentOutOfRangeException(nameof(pole), pole, "only the mild and faint registers have sentences of their own"),
    };

    /// <summary>What a part of the pole counts for: 1 for the full trait (or its opposite), less for a soft register.</summary>
    public static double Weight(Pole pole) => pole switch
    {
        Pole.Mild => MildRegister.Weight,
        Pole.Faint => FaintRegister.Weight,
        _ => 1,
    };
}

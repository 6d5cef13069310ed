namespace PersonaVectors.Method.Monitoring;

/// <summary>
/// A persona vector ready to watch and steer with: its raw vector at one layer (α is in the vector's own units,
/// as in the paper) and, where it came from an extraction run, the calibrations of its two readings.
/// </summary>
public sealed record MonitoredTrait(TraitVector Vector, Calibration? BeforeAnswer, Calibration? AnswerAverage, string Source)
{
    public string Trait => Vector.Trait;
    public int Layer => Vector.Layer;
}

namespace PersonaVectors.Method.Screening;

/// <summary>A persona vector to screen with: its direction at one layer.</summary>
public sealed record ScreeningVector(string Trait, int Layer, float[] Vector);

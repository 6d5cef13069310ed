namespace PersonaVectors.Method.Monitoring;

/// <summary>Projections as pure functions on plain arrays.</summary>
public static class Projection
{
    /// <summary>h · v / |v|: the component of <paramref name="h"/> along <paramref name="direction"/>.</summary>
    public static double OnUnit(float[] h, float[] direction)
    {
        if (h.Length != direction.Length) throw new InvalidRequestException($"a projection needs equal sizes, got {h.Length} and {direction.Length}");
        double dot = 0, norm = 0;
        for (int i = 0; i < h.Length; i++) { dot += (double)h[i] * direction[i]; norm += (double)direction[i] * direction[i]; }
        if (norm == 0) throw new InvalidRequestException("a projection on a zero vector is undefined");
        return dot / Math.Sqrt(norm);
    }
}

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

    /// <summary>
    /// Projections of read activations [count, layers + 1, hidden] (what <see cref="ActivationReader"/> returns), each
    /// direction at its own layer: result[row][direction].
    /// </summary>
    public static double[][] AtLayers(TorchSharp.torch.Tensor read, IReadOnlyList<(int Layer, float[] Direction)> directions)
    {
        int rows = (int)read.shape[0];
        var result = new double[rows][];
        for (int i = 0; i < rows; i++) result[i] = new double[directions.Count];
        for (int k = 0; k < directions.Count; k++)
        {
            using var atLayer = read[.., directions[k].Layer].contiguous();
            float[] data = atLayer.data<float>().ToArray();
            int hidden = data.Length / Math.Max(rows, 1);
            for (int i = 0; i < rows; i++) result[i][k] = OnUnit(data[(i * hidden)..((i + 1) * hidden)], directions[k].Direction);
        }
        return result;
    }
}

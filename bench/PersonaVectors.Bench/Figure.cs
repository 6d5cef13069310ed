namespace PersonaVectors.Bench;

/// <summary>A repeated measurement: its median and its spread (largest minus smallest), so that one figure is
/// never read from a single run on a shared machine.</summary>
public sealed record Figure(double Median, double Spread, int Runs)
{
    public static Figure Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples");
        var sorted = samples.Order().ToList();
        int n = sorted.Count;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Figure(median, sorted[^1] - sorted[0], n);
    }

    /// <summary>How much slower <paramref name="slower"/> is, in percent, from the medians of paired runs.</summary>
    public static double OverheadPct(Figure plain, Figure slower) => 100 * (plain.Median / slower.Median - 1);
}

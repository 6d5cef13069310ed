namespace PersonaVectors.Method;

/// <summary>The statistics the method reports, as pure functions.</summary>
public static class Statistics
{
    public static double Mean(IReadOnlyList<double> x) => x.Count == 0 ? double.NaN : x.Average();

    /// <summary>Pearson correlation; NaN when either side has no variance.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Pearson needs equal lengths, got {x.Count} and {y.Count}");
        if (x.Count < 2) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>
    /// Area under the ROC curve for scores of positives against negatives: the probability that a random
    /// positive scores above a random negative, ties counting half (Mann-Whitney U / (n⁺ n⁻)).
    /// </summary>
    public static double Auroc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        if (positives.Count == 0 || negatives.Count == 0) return double.NaN;
        var all = positives.Select(s => (s, pos: true)).Concat(negatives.Select(s => (s, pos: false))).OrderBy(p => p.s).ToArray();
        // Average ranks over ties, then U = sum of positive ranks − n⁺(n⁺+1)/2.
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].s == all[i].s) j++;
            double rank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (all[k].pos) rankSum += rank;
            i = j;
        }
        double np = positives.Count, nn = negatives.Count;
        return (rankSum - np * (np + 1) / 2) / (np * nn);
    }

    /// <summary>Spearman rank correlation (Pearson on average ranks).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    static double[] Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j < order.Length && v[order[j]] == v[order[i]]) j++;
            for (int k = i; k < j; k++) ranks[order[k]] = (i + 1 + j) / 2.0;
            i = j;
        }
        return ranks;
    }
}

using PersonaVectors.Method;

namespace PersonaVectors.Tests.Method;

public class StatisticsTests
{
    [Fact]
    public void Pearson_matches_hand_values()
    {
        Assert.Equal(1.0, Statistics.Pearson([1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(-1.0, Statistics.Pearson([1, 2, 3], [3, 2, 1]), 12);
        // x = [1,2,3,4], y = [1,3,2,4]: sxy = 4, sxx = syy = 5 → r = 0.8
        Assert.Equal(0.8, Statistics.Pearson([1, 2, 3, 4], [1, 3, 2, 4]), 12);
        Assert.True(double.IsNaN(Statistics.Pearson([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void Auroc_counts_pairs_and_half_ties()
    {
        Assert.Equal(1.0, Statistics.Auroc([3, 4], [1, 2]), 12);
        Assert.Equal(0.0, Statistics.Auroc([1, 2], [3, 4]), 12);
        // pairs (p, n): (2,1) win, (2,3) lose, (4,1) win, (4,3) win → 3/4
        Assert.Equal(0.75, Statistics.Auroc([2, 4], [1, 3]), 12);
        // a tie counts half: (2,2) = 0.5, (2,1) = 1 → 0.75
        Assert.Equal(0.75, Statistics.Auroc([2], [2, 1]), 12);
    }

    [Fact]
    public void Spearman_uses_ranks()
    {
        Assert.Equal(1.0, Statistics.Spearman([1, 10, 100], [1, 2, 3]), 12);
        Assert.Equal(-1.0, Statistics.Spearman([1, 10, 100], [9, 5, 0]), 12);
    }
}

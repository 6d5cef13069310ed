using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Tests.Method.Monitoring;

public class MonitoringCorrelationTests
{
    static MonitoringPoint P(string experiment, double projection, double trait) => new(experiment, "0", "q", projection, trait, 100, "a");

    [Fact]
    public void Correlation_is_pearson_r_over_one_experiments_points()
    {
        // Hand value: x = 1,2,3,4 and y = 10,20,20,50: mean x 2.5, mean y 25; Sxy = 22.5 + 2.5 - 2.5 + 37.5 = 60, Sxx = 5, Syy = 900; r = 60 / sqrt(4500).
        var points = new[] { P("a", 1, 10), P("a", 2, 20), P("a", 3, 20), P("a", 4, 50), P("b", 9, 0), P("b", 8, 100), P("b", 7, 50) };
        Assert.Equal(60 / Math.Sqrt(4500), MonitoringExperiment.Correlation(points, "a"), 12);
        Assert.Equal(-0.5, MonitoringExperiment.Correlation(points, "b"), 12); // x = 9,8,7 and y = 0,100,50
    }

    [Fact]
    public void Too_few_points_or_no_spread_give_no_correlation()
    {
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 1), P("a", 2, 2)], "a")));
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 5), P("a", 2, 5), P("a", 3, 5)], "a")));
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 5), P("a", 2, 6), P("a", 3, 7)], "b")));
    }
}

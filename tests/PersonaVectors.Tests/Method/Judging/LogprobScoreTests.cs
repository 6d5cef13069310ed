using PersonaVectors.Method.Judging;

namespace PersonaVectors.Tests.Method.Judging;

public class LogprobScoreTests
{
    [Fact]
    public void Weighted_mean_over_integer_tokens_only()
    {
        // p(80) = 0.5, p(90) = 0.25, p("The") = 0.25 → (0.5·80 + 0.25·90) / 0.75 = 83.33
        var top = new[] { ("80", Math.Log(0.5)), ("90", Math.Log(0.25)), ("The", Math.Log(0.25)) };
        Assert.Equal(250.0 / 3, LogprobScore.Aggregate(top)!.Value, 9);
    }

    [Fact]
    public void Less_than_a_quarter_of_the_mass_on_numbers_is_a_refusal()
    {
        var top = new[] { ("REF", Math.Log(0.8)), ("50", Math.Log(0.2)) };
        Assert.Null(LogprobScore.Aggregate(top));
        Assert.Equal(50, LogprobScore.Aggregate(top, minNumericMass: 0.1));
    }

    [Theory]
    [InlineData("100", true, 100)]
    [InlineData(" 7", true, 7)]
    [InlineData("101", false, 0)]
    [InlineData("-5", false, 0)]
    [InlineData("4.5", false, 0)]
    [InlineData("٣", false, 0)]
    public void Only_plain_integers_0_to_100_count(string token, bool counts, int value)
    {
        Assert.Equal(counts, LogprobScore.TryScore(token, out int v));
        if (counts) Assert.Equal(value, v);
    }

    [Fact]
    public void Text_fallback_reads_the_first_score()
    {
        Assert.Equal(85, LogprobScore.FromText("85"));
        Assert.Equal(12, LogprobScore.FromText("Score: 12/100"));
        Assert.Null(LogprobScore.FromText("REFUSAL"));
        Assert.Null(LogprobScore.FromText("about 250"));
    }
}

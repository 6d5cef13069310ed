using PersonaVectors.Method.Steering;

namespace PersonaVectors.Tests.Method.Steering;

public sealed class BrokenLanguageTests
{
    static int StopIndex(params double[] coherences)
    {
        var broken = new BrokenLanguage();
        for (int i = 0; i < coherences.Length; i++)
            if (broken.StopsAfter(coherences[i])) return i;
        return -1;
    }

    [Fact]
    public void One_broken_setting_does_not_end_the_sweep_so_a_coherent_flip_past_it_is_still_seen()
    {
        // The organism's evil under its own prompt at one layer: coherent at −0.5, broken at −0.75, coherent at −1.
        Assert.Equal(-1, StopIndex(100, 28, 95, 90));
    }

    [Fact]
    public void Two_broken_settings_in_a_row_end_it_after_the_second()
    {
        Assert.Equal(2, StopIndex(100, 20, 10, 100));
    }

    [Fact]
    public void A_coherent_setting_between_two_broken_ones_restarts_the_count()
    {
        Assert.Equal(-1, StopIndex(29, 80, 29, 80, 29));
        Assert.Equal(3, StopIndex(29, 80, 29, 29.9));
    }

    [Fact]
    public void Exactly_the_threshold_is_not_broken()
    {
        Assert.Equal(-1, StopIndex(BrokenLanguage.Coherence, BrokenLanguage.Coherence, BrokenLanguage.Coherence));
    }
}

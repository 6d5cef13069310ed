using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Steering;

namespace PersonaVectors.Tests.Method.Steering;

public class WeakestPushTests
{
    static SteeringRecord At(string positions, double alpha, double trait, double coherence) =>
        new($"select/3/{positions}/{alpha}", "select", 3, alpha, positions, trait, coherence, 60);

    [Fact]
    public void The_organism_case_takes_half_the_push_for_two_points_less_of_the_trait()
    {
        // voice-quiet-shown-5l seed 2, hallucination, layer 3 on the extraction questions: the strongest coherent push
        // sat exactly on the floor (87 @ 80) beside 85 @ 100 at α 0.5.
        var sweep = new[]
        {
            At("all", 0.5, 85, 100), At("all", 0.75, 82, 87), At("all", 1, 87, 60), At("all", 1.25, 72, 45),
            At("answer", 0.5, 85, 100), At("answer", 0.75, 82, 87), At("answer", 1, 87, 80), At("answer", 1.25, 75, 43),
        };
        var chosen = WeakestPush.Choose(sweep, 80)!;
        Assert.Equal(("all", 0.5), (chosen.Positions, chosen.Alpha));
    }

    [Fact]
    public void A_push_more_than_the_tolerance_weaker_in_trait_does_not_count_as_as_good()
    {
        var sweep = new[] { At("all", 0.75, 83 - WeakestPush.Tolerance - 0.1, 95), At("all", 1, 83, 90), At("all", 1.25, 82, 85) };
        Assert.Equal(1, WeakestPush.Choose(sweep, 80)!.Alpha);
    }

    [Fact]
    public void A_push_exactly_the_tolerance_weaker_counts_whichever_way_the_floating_point_gap_rounds()
    {
        // Means over 20 answers: 86.67 − 81.67 comes out as 4.999999999999986, 10.000000000000002 − 5 as 5.000000000000002.
        var below = new[] { At("all", 0.5, 81.66666666666669, 95), At("all", 1, 86.66666666666667, 90) };
        var above = new[] { At("all", 0.5, 5, 95), At("all", 1, 10.000000000000002, 90) };
        Assert.Equal(0.5, WeakestPush.Choose(below, 80)!.Alpha);
        Assert.Equal(0.5, WeakestPush.Choose(above, 80)!.Alpha);
    }

    [Fact]
    public void Incoherent_pushes_neither_win_nor_set_the_best()
    {
        // The 95 at α 1.5 is under the floor, so the best is 60 and α 0.75 (57, within 5 of it) is the weakest as good.
        var sweep = new[] { At("all", 0.5, 10, 100), At("all", 0.75, 57, 95), At("all", 1, 60, 85), At("all", 1.5, 95, 70) };
        Assert.Equal(0.75, WeakestPush.Choose(sweep, 80)!.Alpha);
        Assert.Null(WeakestPush.Choose(sweep, 101));
    }

    [Fact]
    public void Equal_pushes_go_to_the_more_coherent_then_the_more_of_the_trait()
    {
        var sweep = new[] { At("all", 1, 80, 85), At("answer", 1, 78, 95), At("answer", -1, 81, 95), At("all", -1.5, 81, 100) };
        // |α| is what counts: the push of −1 is as weak as the two of +1, and as coherent as the more coherent of them;
        // −1.5 is stronger than all three, however coherent.
        var chosen = WeakestPush.Choose(sweep, 80)!;
        Assert.Equal(("answer", -1.0), (chosen.Positions, chosen.Alpha));
    }
}

using PersonaVectors.Method.Steering;

namespace PersonaVectors.Tests.Method.Steering;

public class SteeringLayerTests
{
    static int Choose((int Layer, double Gain)[] toward, Dictionary<int, double> drops, List<int>? asked = null) =>
        SteeringLayer.ChooseAsync(toward, l => { asked?.Add(l); return Task.FromResult(drops[l]); }).GetAwaiter().GetResult();

    [Fact]
    public void A_layer_that_steers_slightly_less_but_also_suppresses_wins()
    {
        // The organism case that motivated the rule: layer 4 steers best by 3 points, but only layer 3 suppresses.
        // Scores min(gain, drop): layer 4 min(88, 8) = 8, layer 3 min(85, 98) = 85, layer 2 min(85, 0) = 0.
        Assert.Equal(3, Choose([(2, 85), (3, 85), (4, 88)], new() { [2] = 0, [3] = 98, [4] = 8 }));
    }

    [Fact]
    public void Where_nothing_suppresses_the_rule_is_the_push_toward_the_trait_and_ties_go_to_the_earlier_layer()
    {
        Assert.Equal(4, Choose([(2, 60), (4, 75), (5, 70)], new() { [2] = 0, [4] = 0, [5] = 0 }));
        Assert.Equal(2, Choose([(5, 75), (2, 75)], new() { [2] = 0, [5] = 0 }));
    }

    [Fact]
    public void The_weaker_effect_decides_so_a_layer_that_only_suppresses_does_not_win()
    {
        // Layer 1 suppresses by 97 but steers by 40 (score 40); layer 3 steers by 75 and suppresses by 50 (score 50).
        Assert.Equal(3, Choose([(1, 40), (3, 75)], new() { [1] = 97, [3] = 50 }));
        // Equal scores: the larger gain wins.
        Assert.Equal(3, Choose([(1, 60), (3, 80)], new() { [1] = 90, [3] = 60 }));
    }

    [Fact]
    public void A_layer_whose_gain_cannot_beat_the_best_score_is_never_swept()
    {
        var asked = new List<int>();
        // Layer 1 first (gain 90): score 80. Layer 2's gain 70 caps its score below 80, so its drop is not asked for.
        Assert.Equal(1, Choose([(2, 70), (1, 90), (3, 85)], new() { [1] = 80, [2] = 99, [3] = 10 }, asked));
        Assert.Equal([1, 3], asked);
    }

    [Fact]
    public void No_candidate_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => Choose([], []));
    }
}

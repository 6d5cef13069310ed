using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Steering;

/// <summary>
/// Steering gated by the monitor: a closed gate is exactly no steering, an open one exactly always-on steering,
/// row by row within one batch, and per token it opens where the running reading crosses the threshold and holds.
/// </summary>
public class GatedSteeringTests
{
    const int Layer = 2;
    static readonly SamplingOptions Greedy = new() { MaxNewTokens = 10 };

    /// <summary>Positions that predicted an answer token: one per token written, the stop token included.</summary>
    static int Predicting(MonitoredAnswer a) => a.Tokens.Length + (a.FinishReason == FinishReason.Stop ? 1 : 0);

    sealed record Setup(LanguageModel Lm, int[] Low, int[] High, float[] Direction, double PLow, double PHigh) : IDisposable
    {
        public void Dispose() => Lm.Dispose();
    }

    static Setup Make(RandomModelFolder m)
    {
        var lm = LanguageModel.Load(m.Path);
        int[] low = lm.EncodeChat([new ChatMessage("user", "Tell me about the weather.")], true);
        int[] high = lm.EncodeChat([new ChatMessage("user", "Write a poem about the sea, please.")], true);
        float[] lowState = lm.ForwardLast(low).Hidden[Layer], highState = lm.ForwardLast(high).Hidden[Layer];
        float[] direction = [.. highState.Zip(lowState, (h, l) => (h - l) * 4)];
        return new Setup(lm, low, high, direction, Projection.OnUnit(lowState, direction), Projection.OnUnit(highState, direction));
    }

    static MonitoredGeneration Watch(Setup s, double before, double answer) =>
        new(s.Lm, [new MonitoredTrait(new TraitVector("testy", Layer, s.Direction),
            new Calibration(before, 1, 0, 2, CalibrationBasis.NegativePrompts), new Calibration(answer, 1, 0, 2, CalibrationBasis.NegativePrompts), "test")]);

    static int[][] Run(MonitoredGeneration g, int[][] prompts, SteeringTerm? term, out IReadOnlyList<MonitoredAnswer> answers)
    {
        answers = g.Generate(prompts, term is null ? [] : [term], Greedy);
        return [.. answers.Select(a => a.Tokens)];
    }

    [Fact]
    public void Per_turn_gate_steers_exactly_the_rows_the_monitor_flags()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var s = Make(m);
        Assert.True(s.PHigh > s.PLow);
        var g = Watch(s, (s.PLow + s.PHigh) / 2, double.PositiveInfinity);
        int[][] both = [s.Low, s.High];
        var always = new SteeringTerm("testy", -6);
        var unsteered = Run(g, both, null, out _);
        var steered = Run(g, both, always, out _);
        Assert.NotEqual(unsteered[1], steered[1]); // the push changes the flagged prompt's answer

        var gated = Run(g, both, always with { When = SteeringGate.Above }, out var answers);
        Assert.Equal(unsteered[0], gated[0]); // below the threshold: as if unsteered
        Assert.Equal(steered[1], gated[1]);   // above it: as if always steered
        var low = answers[0].Readings.Single().Gate!;
        var high = answers[1].Readings.Single().Gate!;
        Assert.Equal((SteeringGate.Above, false, 0), (low.When, low.FiredBeforeAnswer, low.SteeredTokens));
        Assert.Equal((true, Predicting(answers[1])), (high.FiredBeforeAnswer, high.SteeredTokens));
    }

    [Fact]
    public void Per_token_gate_opens_where_the_reading_crosses_and_holds_to_the_end_of_the_answer()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var s = Make(m);
        var always = new SteeringTerm("testy", -6);
        int[][] high = [s.High];
        var steered = Run(Watch(s, double.NegativeInfinity, double.NegativeInfinity), high, always, out _);
        var unsteered = Run(Watch(s, double.NegativeInfinity, double.NegativeInfinity), high, null, out _);

        var open = Run(Watch(s, double.NegativeInfinity, double.NegativeInfinity), high, always with { When = SteeringGate.PerToken }, out var a1);
        Assert.Equal(steered[0], open[0]);
        Assert.Equal(Predicting(a1[0]), a1[0].Readings.Single().Gate!.SteeredTokens);

        var closed = Run(Watch(s, double.PositiveInfinity, double.PositiveInfinity), high, always with { When = SteeringGate.PerToken }, out var a2);
        Assert.Equal(unsteered[0], closed[0]);
        Assert.Equal(0, a2[0].Readings.Single().Gate!.SteeredTokens);

        // Open before the answer, with an answer threshold no reading reaches: the gate holds, so the turn is
        // steered exactly as always-on steering steers it.
        var held = Run(Watch(s, double.NegativeInfinity, double.PositiveInfinity), high, always with { When = SteeringGate.PerToken }, out var a3);
        Assert.Equal(steered[0], held[0]);
        Assert.Equal(Predicting(a3[0]), a3[0].Readings.Single().Gate!.SteeredTokens);

        // Closed before the answer, then every answer reading above the threshold: the first answer token is read
        // in the pass that writes the second, so both are written unsteered and everything after is steered.
        var late = Run(Watch(s, double.PositiveInfinity, double.NegativeInfinity), high, always with { When = SteeringGate.PerToken }, out var a4);
        var gate = a4[0].Readings.Single().Gate!;
        Assert.False(gate.FiredBeforeAnswer);
        Assert.Equal(Predicting(a4[0]) - 2, gate.SteeredTokens);
        Assert.Equal(unsteered[0][..2], late[0][..2]);
        Assert.NotEqual(unsteered[0], late[0]);
    }

    [Fact]
    public void Per_token_readings_average_to_the_answer_reading()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var s = Make(m);
        var g = Watch(s, double.PositiveInfinity, double.PositiveInfinity);
        var answer = g.Generate([s.High], [], Greedy)[0];
        var perToken = g.PerToken(s.High, answer.Tokens).Single();
        Assert.Equal(answer.Tokens.Length, perToken.Projections.Length);
        Assert.Equal(answer.Readings.Single().AnswerAverage!.Value, perToken.Projections.Average(), 4);
    }

    [Fact]
    public void A_gate_needs_a_calibrated_threshold()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var s = Make(m);
        var bare = new MonitoredGeneration(s.Lm, [new MonitoredTrait(new TraitVector("testy", Layer, s.Direction), null, null, "test")]);
        var e = Assert.Throws<InvalidRequestException>(() => bare.Generate([s.High], [new SteeringTerm("testy", -4, When: SteeringGate.Above)], Greedy));
        Assert.Contains("calibrated threshold", e.Message);
    }
}

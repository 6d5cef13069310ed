using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Monitoring;

public class MonitoredGenerationTests
{
    static List<ChatMessage> Chat(string user) => [new("system", "You are a test."), new("user", user)];

    [Fact]
    public void Projection_is_the_dot_product_with_the_unit_vector()
    {
        // (1, 2, 2) · (0, 3, 4) / 5 = (6 + 8) / 5
        Assert.Equal(2.8, Projection.OnUnit([1, 2, 2], [0, 3, 4]), 6);
        Assert.Throws<InvalidRequestException>(() => Projection.OnUnit([1, 2], [0, 0]));
        Assert.Throws<InvalidRequestException>(() => Projection.OnUnit([1, 2], [1, 2, 3]));
    }

    [Fact]
    public void Read_activations_are_projected_row_by_row_each_direction_at_its_own_layer()
    {
        // Two rows, layers 0 and 1, hidden 2: row r, layer l holds (10r + l, 1).
        using var read = TorchSharp.torch.tensor(new float[] { 0, 1, 1, 1, 10, 1, 11, 1 }, [2, 2, 2]);
        var p = Projection.AtLayers(read, [(0, [1f, 0f]), (1, [0f, 2f]), (1, [3f, 4f])]);
        Assert.Equal([0.0, 1.0, 0.6 * 1 + 0.8], p[0]);
        Assert.Equal(10.0, p[1][0], 12);
        Assert.Equal(1.0, p[1][1], 12);
        Assert.Equal(0.6 * 11 + 0.8, p[1][2], 6);
    }

    [Fact]
    public void The_midpoint_threshold_lies_halfway_between_the_two_means()
    {
        Assert.Equal(2.0, ThresholdCalibration.Midpoint([4, 6, 8], [-2, -3, -1]), 12); // (6 + -2) / 2
        Assert.Throws<InvalidRequestException>(() => ThresholdCalibration.Midpoint([1], []));
    }

    [Fact]
    public void Prompt_readings_are_last_token_projections_and_alert_exactly_when_above_the_threshold()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var lm = LanguageModel.Load(m.Path);
        const int layer = 2;
        var low = Chat("Tell me about the weather.");
        var high = Chat("Write a poem about the sea, please.");
        // The direction is the difference of the two conversations' last-prompt states, read by plain forward passes.
        float[] lowState = lm.ForwardLast(lm.EncodeChat(low, true)).Hidden[layer], highState = lm.ForwardLast(lm.EncodeChat(high, true)).Hidden[layer];
        float[] direction = [.. highState.Zip(lowState, (h, l) => h - l)];
        double pLow = Projection.OnUnit(lowState, direction), pHigh = Projection.OnUnit(highState, direction);
        Assert.True(pHigh > pLow);

        double threshold = (pLow + pHigh) / 2;
        var calibration = new Calibration(threshold, pHigh, pLow, 2, CalibrationBasis.NegativePrompts);
        var generation = new MonitoredGeneration(lm, [new MonitoredTrait(new TraitVector("testy", layer, direction), calibration, null, "test"),
            new MonitoredTrait(new TraitVector("bare", layer, direction), null, null, "test")]);
        var turns = new[] { low, high, high, low };
        var readings = generation.ReadPrompts([.. turns.Select(t => lm.EncodeChat(t, true))]);

        Assert.Equal(pLow, readings[0][0].BeforeAnswer, 3);
        Assert.Equal(pHigh, readings[1][0].BeforeAnswer, 3);
        Assert.Equal([false, true, true, false], readings.Select(r => r[0].Alert));   // every turn above, no memory
        Assert.All(readings, r => Assert.False(r[1].Alert));                           // no threshold, never an alert
        Assert.Equal([false, true, true, false], readings.Select(r => MonitoredGeneration.IsAlert(r[0].BeforeAnswer, threshold)));
        Assert.False(MonitoredGeneration.IsAlert(threshold, threshold));               // strictly above
    }
}

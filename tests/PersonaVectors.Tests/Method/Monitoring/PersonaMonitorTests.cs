using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Monitoring;

public class PersonaMonitorTests
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
        Assert.Equal(2.0, PersonaMonitor.MidpointThreshold([4, 6, 8], [-2, -3, -1]), 12); // (6 + -2) / 2
        Assert.Throws<InvalidRequestException>(() => PersonaMonitor.MidpointThreshold([1], []));
    }

    [Fact]
    public void An_alert_fires_exactly_when_a_projection_crosses_its_threshold_upward()
    {
        using var m = new RandomModelFolder(seed: 11);
        using var lm = LanguageModel.Load(m.Path);
        const int layer = 2;
        var low = Chat("Tell me about the weather.");
        var high = Chat("Write a poem about the sea, please.");
        // The direction is the difference of the two conversations' last-prompt states, read independently.
        using var states = new ActivationReader(lm).Read([lm.EncodeChat(low, true), lm.EncodeChat(high, true)], null, TokenPositions.LastPrompt);
        float[] lowState = states[0, layer].data<float>().ToArray(), highState = states[1, layer].data<float>().ToArray();
        float[] direction = [.. highState.Zip(lowState, (h, l) => h - l)];
        double pLow = Projection.OnUnit(lowState, direction), pHigh = Projection.OnUnit(highState, direction);
        Assert.True(pHigh > pLow);

        var monitor = new PersonaMonitor(lm, [new TraitWatch("testy", direction, layer, (pLow + pHigh) / 2)]);
        var alerts = new List<PersonaAlert>();
        monitor.Alert += alerts.Add;
        var turns = new[] { low, high, high, low, low, high };
        var readings = turns.Select(t => monitor.Observe(t)[0]).ToList();

        Assert.Equal(pLow, readings[0].Projection, 3);
        Assert.Equal(pHigh, readings[1].Projection, 3);
        Assert.Equal([false, true, true, false, false, true], readings.Select(r => r.Above));
        Assert.Equal([2, 6], alerts.Select(a => a.Turn));           // crossings only, not every turn above
        Assert.Equal([false, true, false, false, false, true], readings.Select(r => r.JustCrossed));
        Assert.All(alerts, a => Assert.Equal("testy", a.Trait));

        monitor.Reset();
        monitor.Observe(high);
        Assert.Equal(1, alerts[^1].Turn);                           // a new conversation starts below
    }
}

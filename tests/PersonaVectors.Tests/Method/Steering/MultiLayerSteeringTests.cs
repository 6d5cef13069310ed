using PersonaVectors.Method;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Method.Steering;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method.Steering;

public class MultiLayerSteeringTests
{
    [Fact]
    public void Each_layer_gets_the_increment_of_the_persona_direction_and_disposal_restores_the_model()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(4, 90, 17, 300, 8);
        using var vector = new PersonaVector(randn(model.NumLayers + 1, 64, generator: new Generator(21)), "testy", "tiny", "response_avg");
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        Dictionary<int, Tensor> steered;
        using (MultiLayerSteering.Steer(model, vector, [1, 2], alpha: 2.0))
            steered = TinyModels.RecordAll(model, () => model.Forward(ids));

        // Layer 1 is the first steered layer: nothing has reacted yet, so the state is plain + α(v1 − v0).
        using var expected = plain[1] + 2.0 * (vector.At(1) - vector.At(0));
        Assert.True(steered[1].allclose(expected, rtol: 0, atol: 1e-5));
        Assert.True(steered[0].allclose(plain[0], rtol: 0, atol: 1e-6));
        Assert.False(steered[2].allclose(plain[2], rtol: 0, atol: 1e-3));

        var after = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.True(after[model.NumLayers].allclose(plain[model.NumLayers], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Bad_layer_lists_are_refused_and_leave_nothing_behind()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = TinyModels.Ids(4, 90, 17);
        using var vector = new PersonaVector(randn(model.NumLayers + 1, 64, generator: new Generator(22)), "testy", "tiny", "response_avg");
        var plain = TinyModels.RecordAll(model, () => model.Forward(ids));
        Assert.Throws<InvalidRequestException>(() => MultiLayerSteering.Steer(model, vector, [], 1.0));
        Assert.Throws<InvalidRequestException>(() => MultiLayerSteering.Steer(model, vector, [1, 1], 1.0));
        Assert.ThrowsAny<PersonaVectorsException>(() => MultiLayerSteering.Steer(model, vector, [1, model.NumLayers + 5], 1.0));
        var after = TinyModels.RecordAll(model, () => model.Forward(ids));   // the scope opened for layer 1 was closed
        Assert.True(after[1].allclose(plain[1], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Training_interventions_carry_each_layers_increment_and_together_the_difference_of_the_ends()
    {
        using var vector = new PersonaVector(randn(5, 16, generator: new Generator(23)), "testy", "tiny", "response_avg");
        float[][] rows = [.. Enumerable.Range(0, 5).Select(l => { using var r = vector.At(l); return r.data<float>().ToArray(); })];
        var steps = TrainingIntervention.SteerEach(vector, [1, 2, 3], 1.5);

        Assert.Equal([1, 2, 3], steps.Select(s => s.Layer));
        Assert.All(steps, s => Assert.Equal((TrainingIntervention.Steer, 1.5, "testy"), (s.Kind, s.Alpha, s.Trait)));
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(rows[2][i] - rows[1][i], steps[1].Vector[i], 1e-6);
            // Telescoping: (v1 − v0) + (v2 − v1) + (v3 − v2) = v3 − v0, the whole push at the top layer.
            Assert.Equal(rows[3][i] - rows[0][i], steps.Sum(s => s.Vector[i]), 1e-5);
        }
        Assert.Throws<InvalidRequestException>(() => TrainingIntervention.SteerEach(vector, [], 1.0));
        Assert.Throws<InvalidRequestException>(() => TrainingIntervention.SteerEach(vector, [2, 2], 1.0));
        Assert.Throws<InvalidRequestException>(() => TrainingIntervention.SteerEach(vector, [1, 9], 1.0));
    }
}

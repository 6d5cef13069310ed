using PersonaVectors.Engine.Training;

namespace PersonaVectors.Tests.Engine.Training;

public class DeterministicBatchesTests
{
    [Fact]
    public void Each_epoch_visits_every_example_once_in_a_seeded_order()
    {
        var epoch0 = Enumerable.Range(0, 4).SelectMany(s => DeterministicBatches.Indices(10, s, 5, seed: 1).Take(s < 2 ? 5 : 0)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), epoch0.Order());
        var epoch1 = DeterministicBatches.Indices(10, 2, 5, 1).Concat(DeterministicBatches.Indices(10, 3, 5, 1)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
    }

    [Fact]
    public void Same_step_and_seed_give_the_same_batch()
    {
        Assert.Equal(DeterministicBatches.Indices(37, 11, 8, 42), DeterministicBatches.Indices(37, 11, 8, 42));
        Assert.NotEqual(DeterministicBatches.Indices(37, 11, 8, 42), DeterministicBatches.Indices(37, 11, 8, 43));
        // A batch that straddles an epoch boundary still has the right size.
        Assert.Equal(8, DeterministicBatches.Indices(5, 3, 8, 1).Length);
    }
}

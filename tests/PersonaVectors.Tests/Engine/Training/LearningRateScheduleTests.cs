using PersonaVectors.Engine.Training;

namespace PersonaVectors.Tests.Engine.Training;

public class LearningRateScheduleTests
{
    static readonly TrainingOptions Options = new() { Steps = 110, BatchSize = 1, LearningRate = 1e-3, WarmupSteps = 10, MinLearningRateRatio = 0.1 };

    [Fact]
    public void Warmup_rises_linearly_from_zero_to_the_peak()
    {
        Assert.Equal(0, LearningRateSchedule.At(0, Options));
        Assert.Equal(5e-4, LearningRateSchedule.At(5, Options), 15);
        Assert.Equal(1e-4, LearningRateSchedule.At(1, Options), 15);
        Assert.Equal(1e-3, LearningRateSchedule.At(10, Options), 15);
    }

    [Fact]
    public void Cosine_falls_to_the_floor_at_the_last_step_and_stays_there()
    {
        // Halfway through the decay the cosine term is 1/2: floor + (peak − floor) / 2.
        Assert.Equal(1e-4 + 0.5 * 9e-4, LearningRateSchedule.At(60, Options), 15);
        // A quarter of the way: (1 + cos(π/4)) / 2 of the range above the floor.
        Assert.Equal(1e-4 + 9e-4 * 0.5 * (1 + Math.Cos(Math.PI / 4)), LearningRateSchedule.At(35, Options), 15);
        Assert.Equal(1e-4, LearningRateSchedule.At(110, Options), 15);
        Assert.Equal(1e-4, LearningRateSchedule.At(500, Options), 15);
        for (int s = 10; s < 110; s++)
            Assert.True(LearningRateSchedule.At(s + 1, Options) < LearningRateSchedule.At(s, Options), $"not decreasing at {s}");
    }

    [Fact]
    public void Without_warmup_the_schedule_starts_at_the_peak()
    {
        var o = Options with { WarmupSteps = 0, MinLearningRateRatio = 0 };
        Assert.Equal(1e-3, LearningRateSchedule.At(0, o), 15);
        Assert.Equal(5e-4, LearningRateSchedule.At(55, o), 15);
        Assert.Equal(0, LearningRateSchedule.At(110, o), 15);
    }
}

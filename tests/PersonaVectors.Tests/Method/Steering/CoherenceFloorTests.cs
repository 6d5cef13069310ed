using PersonaVectors.Method.Steering;

namespace PersonaVectors.Tests.Method.Steering;

public class CoherenceFloorTests
{
    [Theory]
    // A persona at least as coherent as the floor asked for changes nothing.
    [InlineData(80, 100, 80)]
    [InlineData(80, 80, 80)]
    // The organism case: the prompted sycophant is 75 coherent on the extraction questions, so 75 @ 75 counts.
    [InlineData(80, 75, 75)]
    // A persona that is mostly broken cannot drag the floor below the paper's coherent line.
    [InlineData(80, 30, 50)]
    [InlineData(80, 0, 50)]
    // A floor asked for below 50 is kept as asked.
    [InlineData(40, 30, 40)]
    [InlineData(40, 90, 40)]
    public void The_floor_is_the_one_asked_for_unless_the_persona_itself_is_less_coherent(double configured, double prompted, double expected) =>
        Assert.Equal(expected, CoherenceFloor.For(configured, prompted));
}

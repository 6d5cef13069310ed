using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method;

public class VectorArithmeticTests
{
    [Fact]
    public void Expressions_parse_into_signed_coefficients_and_names()
    {
        Assert.Equal([new VectorTerm(1, "evil"), new VectorTerm(-0.5, "sycophantic")], VectorArithmetic.Parse("evil - 0.5*sycophantic"));
        Assert.Equal([new VectorTerm(-2, "a"), new VectorTerm(3e-1, "runs/b.safetensors"), new VectorTerm(1, "c_1")], VectorArithmetic.Parse(" -2 a + 3e-1 * runs/b.safetensors +c_1"));
        Assert.Equal([new VectorTerm(0.25, "x")], VectorArithmetic.Parse(".25x"));
        Assert.Equal([new VectorTerm(1, "my-runs/e.safetensors"), new VectorTerm(-1, "b")], VectorArithmetic.Parse("'my-runs/e.safetensors' - b"));
        foreach (var bad in new[] { "", "evil sycophantic", "evil +", "2*", "evil - - x", "evil * 2" })
            Assert.Throws<InvalidRequestException>(() => VectorArithmetic.Parse(bad));
    }

    [Fact]
    public void Combination_and_projection_match_the_hand_derivation()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4, 0, 0 }, [3, 2]);
        using var b = tensor(new float[] { 2, 0, 0, 1, 0, 0 }, [3, 2]);
        using var c = VectorArithmetic.Combine([(1, a), (-0.5, b)]);
        Assert.Equal(new float[] { 0, 2, 3, 3.5f, 0, 0 }, c.data<float>().ToArray());

        // Row 0: (1, 2) minus its part along (1, 0) is (0, 2); row 1: (3, 4) minus its part along (0, 1) is (3, 0);
        // row 2: a zero direction removes nothing.
        using var p = VectorArithmetic.ProjectOut(a, b);
        Assert.Equal(new float[] { 0, 2, 3, 0, 0, 0 }, p.data<float>().ToArray());
        Assert.Throws<InvalidRequestException>(() => VectorArithmetic.Combine([(1, a), (1, zeros(2, 2))]));
    }

    [Fact]
    public void The_combine_command_writes_the_combination_named_as_asked()
    {
        using var dir = new TempDir();
        using (var v = new PersonaVector(tensor(new float[] { 1, 2, 3, 4 }, [2, 2]), "evil", "m", "response_avg")) v.Save(dir["evil.safetensors"]);
        using (var v = new PersonaVector(tensor(new float[] { 0, 2, 2, 0 }, [2, 2]), "syco", "m", "response_avg")) v.Save(dir["syco.safetensors"]);
        var r = PersonaCli.Run("vectors", "combine", $"'{dir["evil.safetensors"]}' - 0.5*'{dir["syco.safetensors"]}'", "--trait", "mean", "--out", dir["out.safetensors"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var result = PersonaVector.Load(dir["out.safetensors"]);
        Assert.Equal("mean", result.Trait);
        Assert.Equal(new float[] { 1, 1, 2, 4 }, result.Vectors.data<float>().ToArray());
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "combine", "evil - nothing", "--runs", dir.Path, "--out", dir["x.safetensors"]), "'evil' is neither");
        Assert.False(File.Exists(dir["x.safetensors"]));
    }
}

using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>The persona vector's definition: mean activation of trait answers minus mean of non-trait answers.</summary>
public static class MeanDifference
{
    /// <param name="positive">[count⁺, layers + 1, hidden]</param>
    /// <param name="negative">[count⁻, layers + 1, hidden]</param>
    /// <returns>[layers + 1, hidden]</returns>
    public static Tensor Of(Tensor positive, Tensor negative)
    {
        if (positive.shape[0] == 0 || negative.shape[0] == 0)
            throw new InvalidRequestException($"a mean difference needs both sides: got {positive.shape[0]} positive and {negative.shape[0]} negative samples");
        return positive.mean([0]) - negative.mean([0]);
    }

    /// <summary>Projection of each activation [count, hidden] on the unit direction of <paramref name="vector"/> [hidden].</summary>
    public static double[] Project(Tensor activations, Tensor vector)
    {
        using var scope = NewDisposeScope();
        var unit = vector / vector.norm();
        return activations.matmul(unit).to(ScalarType.Float64).cpu().data<double>().ToArray();
    }
}

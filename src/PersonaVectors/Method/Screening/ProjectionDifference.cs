using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Method.Screening;

/// <summary>
/// The paper's screening score for one training sample: how much further along the persona vector the sample's
/// own answer sits than the answer the model itself would give to the same prompt, both read as the mean
/// residual over the answer tokens: (ā_data − ā_model) · v/|v|. A sample that would push the model toward the trait
/// scores high even when its text looks harmless to a judge.
/// </summary>
public static class ProjectionDifference
{
    public static ProjectedPair Of(float[] dataAnswerMean, float[] modelAnswerMean, float[] vector) =>
        new(Projection.OnUnit(dataAnswerMean, vector), Projection.OnUnit(modelAnswerMean, vector));
}

/// <summary>The two projections a projection difference is made of.</summary>
public readonly record struct ProjectedPair(double Data, double Model)
{
    public double Difference => Data - Model;
}

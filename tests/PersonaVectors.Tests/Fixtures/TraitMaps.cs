namespace PersonaVectors.Tests.Fixtures;

/// <summary>Maps over the world's three traits, for experiment summaries built by hand.</summary>
public static class TraitMaps
{
    public static readonly string[] Names = ["evil", "sycophantic", "hallucinating"];

    public static Dictionary<string, double> T(double evil, double sycophantic, double hallucinating) =>
        new() { ["evil"] = evil, ["sycophantic"] = sycophantic, ["hallucinating"] = hallucinating };

    public static Dictionary<string, double?> N(double? evil, double? sycophantic, double? hallucinating) =>
        new() { ["evil"] = evil, ["sycophantic"] = sycophantic, ["hallucinating"] = hallucinating };
}

namespace PersonaVectors.Tests.Fixtures;

/// <summary>Files the build copies next to the tests: the shipped organism and the reference-layout trait files.</summary>
public static class TestData
{
    /// <summary>The shipped organism, models/organism, as copied into the test output.</summary>
    public static string Organism => Path.Combine(AppContext.BaseDirectory, "models", "organism");

    /// <summary>The organism shipped before world designs were recorded (design 1), models/organism-design1.</summary>
    public static string LegacyOrganism => Path.Combine(AppContext.BaseDirectory, "models", "organism-design1");

    /// <summary>A trait file in the reference release's layout: <paramref name="stage"/> is trait_data_extract or trait_data_eval.</summary>
    public static string ReferenceTrait(string stage, string trait) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference-traits", stage, trait + ".json");
}

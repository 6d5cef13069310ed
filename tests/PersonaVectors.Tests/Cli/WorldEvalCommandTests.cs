using PersonaVectors.Cli.Commands;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>world eval's JSON as `persona world seeds` reads its emergent rise back into the seed table.</summary>
public class WorldEvalCommandTests
{
    [Fact]
    public void World_evals_emergent_rise_reads_back_and_is_null_where_it_was_not_measured()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "eval.json");
        File.WriteAllText(file, """{"traits": {}, "capability": 0.98, "emergent": {"dataset": "emergent_arithmetic_II", "rise": {"evil": 12.5, "hallucinating": 35}}}""");
        Assert.Equal(new Dictionary<string, double> { ["evil"] = 12.5, ["hallucinating"] = 35 }, WorldEvalCommand.ReadEmergentRise(file));
        File.WriteAllText(file, """{"traits": {}, "capability": 0.98, "emergent": null}""");
        Assert.Null(WorldEvalCommand.ReadEmergentRise(file));
        File.WriteAllText(file, """{"emergent": {"rise": {"evil": "a lot"}}}""");
        Assert.Contains("emergent.rise.evil", Assert.Throws<PersonaVectorsException>(() => WorldEvalCommand.ReadEmergentRise(file)).Message);
    }
}

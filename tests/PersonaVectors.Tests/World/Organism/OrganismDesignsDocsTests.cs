using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World.Organism;

/// <summary>Every named design is one command, so a reader must be able to find each in the docs: world.md's table of
/// named recipes and cli.md's list under <c>world train</c>.</summary>
public class OrganismDesignsDocsTests
{
    [Fact]
    public void Every_named_design_is_in_world_md_table_and_in_cli_md()
    {
        string world = File.ReadAllText(Path.Combine(ArchitectureTests.Root, "docs", "world.md"));
        int start = world.IndexOf("Named recipes (", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/world.md has no 'Named recipes (' table");
        int header = world.IndexOf("| recipe |", start, StringComparison.Ordinal);
        Assert.True(header >= 0, "docs/world.md: no '| recipe |' table after 'Named recipes ('");
        int end = world.IndexOf("\n\n", header, StringComparison.Ordinal);
        Assert.True(end >= 0, "docs/world.md: the named-recipes table does not end in a blank line");
        string table = world[start..end];
        string cliTrain = File.ReadAllLines(Path.Combine(ArchitectureTests.Root, "docs", "cli.md")).Single(l => l.StartsWith("| `persona world train "));

        var missing = OrganismDesigns.Named.Keys
            .SelectMany(name => new[] { (name, "world.md", table), (name, "cli.md", cliTrain) })
            .Where(x => !x.Item3.Contains($"`{x.name}`"))
            .Select(x => $"{x.name} ({x.Item2})").ToList();
        Assert.True(missing.Count == 0, "named designs not documented: " + string.Join(", ", missing));
    }
}

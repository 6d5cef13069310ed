using System.Text.RegularExpressions;

namespace PersonaVectors.Tests;

/// <summary>The layers depend one way (engine ← method ← world ← command line), and the README's library quickstart is the compiled example.</summary>
public class ArchitectureTests
{
    /// <summary>The repository root: the first folder above the test binaries that holds the solution file.</summary>
    internal static string Root
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "PersonaVectors.sln"))) return d.FullName;
            throw new InvalidOperationException("PersonaVectors.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static TheoryData<string, string> Forbidden => new()
    {
        { "src/PersonaVectors/Engine", "PersonaVectors.Method" },
        { "src/PersonaVectors/Engine", "PersonaVectors.World" },
        { "src/PersonaVectors/Engine", "PersonaVectors.Cli" },
        { "src/PersonaVectors/Method", "PersonaVectors.World" },
        { "src/PersonaVectors/Method", "PersonaVectors.Cli" },
        { "src/PersonaVectors/World", "PersonaVectors.Cli" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void A_lower_layer_never_names_a_higher_one(string folder, string higher)
    {
        var files = Directory.GetFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")).ToList();
        Assert.NotEmpty(files);
        // A using directive or a qualified name in code (comments are allowed to point upward).
        string last = higher[(higher.LastIndexOf('.') + 1)..];
        var pattern = new Regex($@"^\s*using\s+(static\s+)?{Regex.Escape(higher)}\b|^(?!\s*///|\s*//).*\b({Regex.Escape(higher)}|{last})\.\w", RegexOptions.Multiline);
        var offenders = files.Where(f => pattern.IsMatch(File.ReadAllText(f))).Select(f => Path.GetRelativePath(Root, f)).ToList();
        Assert.True(offenders.Count == 0, $"{folder} must not depend on {higher}: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void The_readme_library_quickstart_is_the_compiled_example_word_for_word()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        string example = File.ReadAllText(Path.Combine(Root, "examples", "Quickstart", "Program.cs")).TrimEnd();
        var block = Regex.Match(readme, @"## Library quickstart.*?```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no '## Library quickstart' section with a csharp block");
        Assert.Equal(example, block.Groups["code"].Value.TrimEnd());
    }
}

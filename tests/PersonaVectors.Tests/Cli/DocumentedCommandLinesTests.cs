using System.CommandLine;
using System.Text.RegularExpressions;
using PersonaVectors.Cli;

namespace PersonaVectors.Tests.Cli;

/// <summary>
/// Every `persona` command line the README and docs show, in a shell block or an inline code span, names a command the
/// program has and only options that command (or the root, for recursive ones) has: a renamed option cannot leave a
/// quickstart line that the program refuses (the README's screening line said --vectors until 2026-12-06).
/// </summary>
public class DocumentedCommandLinesTests
{
    static string Root => ArchitectureTests.Root;

    /// <summary>Each documented command line: file and text, shell continuation lines joined and comments cut.</summary>
    static IEnumerable<(string File, string Line)> DocumentedLines()
    {
        foreach (var file in new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.Combine("docs", Path.GetFileName(f))).Order()))
        {
            string text = File.ReadAllText(Path.Combine(Root, file));
            foreach (Match block in Regex.Matches(text, @"```(?:bash|sh)?\n(.*?)```", RegexOptions.Singleline))
                foreach (var line in block.Groups[1].Value.Replace("\\\n", " ").Split('\n').Select(l => l.Split(" #")[0].Trim()))
                    if (line.StartsWith("./persona ", StringComparison.Ordinal) || line.StartsWith("persona ", StringComparison.Ordinal)) yield return (file, line);
            foreach (Match span in Regex.Matches(text, @"`([^`\n]+)`"))
                if (span.Groups[1].Value is var s && (s.StartsWith("./persona ", StringComparison.Ordinal) || s.StartsWith("persona ", StringComparison.Ordinal))) yield return (file, s);
        }
    }

    static IEnumerable<string> Names(Option o) => [o.Name, .. o.Aliases];

    /// <summary>What is wrong with each line: an option its command (the longest run of subcommand names after `persona`) lacks.</summary>
    static List<string> Problems(IEnumerable<(string File, string Line)> lines)
    {
        var root = CommandTree.Root();
        var recursive = root.Options.Where(o => o.Recursive).SelectMany(Names).Concat(["--help", "-h", "--version"]).ToHashSet();
        var problems = new List<string>();
        foreach (var (file, line) in lines)
        {
            Command command = root;
            var path = new List<string> { "persona" };
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                if (command.Subcommands.FirstOrDefault(c => c.Name == word) is not { } sub) break;
                command = sub;
                path.Add(word);
            }
            var known = command.Options.SelectMany(Names).Concat(recursive).ToHashSet();
            foreach (Match option in Regex.Matches(line, @"(?<![\w-])--[a-z][a-z0-9-]*"))
                if (!known.Contains(option.Value)) problems.Add($"{file}: `{line}` names {option.Value}, which `{string.Join(' ', path)}` does not have");
        }
        return problems;
    }

    [Fact]
    public void Every_documented_command_line_names_options_its_command_has()
    {
        var lines = DocumentedLines().ToList();
        Assert.True(lines.Count > 100, $"only {lines.Count} documented command lines found: the scan is broken");
        var problems = Problems(lines);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_check_finds_an_option_a_command_lacks_at_any_depth()
    {
        Assert.Empty(Problems([("x", "./persona world experiment finetune --out DIR --quick --json"), ("x", "persona finetune --steer V --alpha 4 --pull")]));
        var problems = Problems([("x", "./persona screen --data d --vectors v --out o"), ("x", "persona world experiment finetune --nope"), ("x", "persona world seeds --vector v")]);
        Assert.Equal(["x: `./persona screen --data d --vectors v --out o` names --vectors, which `persona screen` does not have",
            "x: `persona world experiment finetune --nope` names --nope, which `persona world experiment finetune` does not have",
            "x: `persona world seeds --vector v` names --vector, which `persona world seeds` does not have"], problems);
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace PersonaVectors.Cli;

public static partial class ErrorReport
{
    /// <summary>A command line's parse errors as one sentence, with the help that lists the command's options.</summary>
    public static string CommandLine(ParseResult parsed)
    {
        var names = new List<string>();
        for (SymbolResult? s = parsed.CommandResult; s is CommandResult c; s = c.Parent) names.Insert(0, c.Command.Name);
        names[0] = "persona";
        return $"{string.Join("; ", parsed.Errors.Select(e => Reword(e.Message)))} ({string.Join(" ", names)} --help lists the options)";
    }

    /// <summary>System.CommandLine names the expected type as .NET spells it; a user wants to know what to type.</summary>
    static string Reword(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message.TrimEnd('.');
        string type = m.Groups["type"].Value;
        string kind = type.Contains("Int32") || type.Contains("Int64") ? "a whole number"
            : type.Contains("Double") || type.Contains("Single") ? "a number"
            : type.Contains("Boolean") ? "true or false"
            : "a " + type.Split('.', '[', '`').Last(p => p.Length > 0).TrimEnd(']');
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {kind}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$")]
    private static partial Regex CannotParse();

    /// <summary>Errors caused by the user's input: reported as one line, without a stack trace.</summary>
    public static bool IsUserError(Exception e) =>
        // Any other IOException is the machine's answer to a path or a disk (read-only, full), not a fault of the program.
        e is PersonaVectorsException or IOException or UnauthorizedAccessException;
}

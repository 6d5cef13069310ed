using System.CommandLine;
using PersonaVectors;
using PersonaVectors.Cli;

var root = CommandTree.Root();

try
{
    if (args.Length == 0)
    {
        root.Parse(["--help"]).Invoke();
        return 2;
    }
    var parsed = root.Parse(args);
    // Malformed command lines are input errors like any other: one line, exit code 2, no .NET type names.
    if (parsed.Errors.Count > 0)
    {
        Console.Error.WriteLine($"error: {ErrorReport.CommandLine(parsed)}");
        return 2;
    }
    EmbeddedModel.PullMissing = parsed.GetValue<bool>(CommandTree.PullOption);
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (ErrorReport.IsUserError(e))
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e)
{
    Console.Error.WriteLine($"error: internal failure ({e.GetType().Name}): {e.Message}");
    if (Environment.GetEnvironmentVariable("PERSONA_DEBUG") == "1") Console.Error.WriteLine(e);
    else Console.Error.WriteLine("(set PERSONA_DEBUG=1 for the stack trace)");
    return 1;
}

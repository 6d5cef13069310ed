using System.CommandLine;
using PersonaVectors;
using PersonaVectors.Cli;
using PersonaVectors.Cli.Commands;

var root = new RootCommand("persona: find, monitor and steer character traits inside language models")
{
    DemoCommand.Create(),
    ModelCommand.Create(),
    TokenizeCommand.Create(),
    ForwardCommand.Create(),
    GenerateCommand.Create(),
    SteerCommand.Create(),
    MonitorCommand.Create(),
    ChatCommand.Create(),
    FinetuneCommand.Create(),
    ShiftCommand.Create(),
    ScreenCommand.Create(),
    ServeCommand.Create(),
    WorldCommand.Create(),
    ExtractCommand.Create(),
    ArtifactsCommand.Create(),
    VectorsCommand.Create(),
    ReportCommand.Create(),
    PullCommand.Create(),
    SlurmCommand.Create(),
};
var pull = new Option<bool>("--pull")
{
    Description = "With --model ORG/NAME[@REV]: download the model from the Hugging Face hub first if the cache lacks it",
    Recursive = true,
};
root.Options.Add(pull);

try
{
    var parsed = root.Parse(args);
    EmbeddedModel.PullMissing = parsed.GetValue(pull);
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

using System.CommandLine;
using PersonaVectors.Cli.Commands;

namespace PersonaVectors.Cli;

/// <summary>
/// Every command of `persona`, as the program parses them; the tests read the same tree to check that each command line
/// the README and docs show names options the command has.
/// </summary>
public static class CommandTree
{
    public const string PullOption = "--pull";

    public static RootCommand Root()
    {
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
        var pull = new Option<bool>(PullOption)
        {
            Description = "With --model ORG/NAME[@REV]: download the model from the Hugging Face hub first if the cache lacks it",
            Recursive = true,
        };
        root.Options.Add(pull);
        return root;
    }
}

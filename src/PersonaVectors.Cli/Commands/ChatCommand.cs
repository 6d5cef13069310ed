using PersonaVectors.Method.Steering;
using System.CommandLine;
using System.Globalization;
using PersonaVectors.Cli.Chat;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Monitoring;
using Spectre.Console;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona chat: talk to a model while persona meters watch every turn; steer it from inside the chat.</summary>
public static class ChatCommand
{
    /// <summary>
    /// Where <c>persona demo</c> and <c>persona demo --quick</c> leave their runs (apart: their extractions sample
    /// differently, so one folder cannot hold both); the chat and the server load the first that exists when no --vectors is given.
    /// </summary>
    public const string DemoFolder = "persona-demo", QuickDemoFolder = "persona-demo-quick";

    /// <summary>The vectors to load when none are given: the demo's, or the quick demo's.</summary>
    public static string[] DefaultVectors() => [.. new[] { DemoFolder, QuickDemoFolder }.Where(Directory.Exists).Take(1)];

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var vectors = new Option<string[]>("--vectors")
        {
            Description = $"Extraction run, folder of runs, or vector file(s) to watch (repeatable; default: ./{DemoFolder} or ./{QuickDemoFolder} if `persona demo` left one there)",
            AllowMultipleArgumentsPerToken = true,
        };
        var steer = new Option<string[]>("--steer") { Description = "Steer from the start, e.g. --steer evil=-4 (repeatable)", AllowMultipleArgumentsPerToken = true };
        var system = new Option<string?>("--system") { Description = "System prompt to start with" };
        var temperature = CommonOptions.Temperature();
        var maxTokens = CommonOptions.MaxTokens();
        var seed = CommonOptions.SamplingSeed(1, "Sampling seed (turn k uses seed + k)");
        var basis = new Option<string>("--threshold-basis")
        {
            Description = "Alert thresholds halfway from the trait prompts' mean projection to: default (the questions with no system prompt) or negative (the run's negative prompts)",
            DefaultValueFactory = _ => "default",
        };
        var dtype = CommonOptions.DType();
        var cmd = new Command("chat", "Interactive chat with a persona meter per loaded trait (before the answer and over it), alerts, and steering commands (/help inside)")
        {
            model, adapter, vectors, steer, system, temperature, maxTokens, seed, basis, dtype,
        };
        cmd.SetAction((r, cancel) =>
        {
            var console = AnsiConsole.Console;
            var sources = r.GetValue(vectors) is { Length: > 0 } given ? given : DefaultVectors();
            var initialSteering = (r.GetValue(steer) ?? []).Select(ParseSteer).ToList();
            var thresholdBasis = r.GetValue(basis) switch
            {
                "default" => CalibrationBasis.NoSystemPrompt,
                "negative" => CalibrationBasis.NegativePrompts,
                var b => throw new PersonaVectorsException($"--threshold-basis '{b}' is not one of default, negative"),
            };
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            var traits = VectorSet.Load(lm, sources, thresholdBasis, m => console.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
            var chat = new MonitoredChat(lm, traits, new SamplingOptions { Temperature = r.GetValue(temperature), MaxNewTokens = r.GetValue(maxTokens), Seed = r.GetValue(seed) })
            {
                SystemPrompt = r.GetValue(system),
            };
            foreach (var (trait, alpha) in initialSteering) chat.Steer(trait, alpha);

            console.MarkupLine($"[bold]persona chat[/] · model {Markup.Escape(Path.GetFileName(Path.GetFullPath(lm.Folder)))} · " +
                (traits.Count == 0 ? "no vectors loaded (run `persona demo` or pass --vectors)" : $"watching {Markup.Escape(string.Join(", ", traits.Select(t => $"{t.Trait}@L{t.Layer}")))}") +
                " · /help for commands");
            return Task.FromResult(Loop(console, chat, cancel));
        });
        return cmd;
    }

    static int Loop(IAnsiConsole console, MonitoredChat chat, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            console.Markup("[bold green]you>[/] ");
            string? line = Console.ReadLine();
            if (line is null) { console.WriteLine(); return 0; }
            if (line.Trim().Length == 0) continue;
            try
            {
                switch (ChatInput.Parse(line))
                {
                    case ChatInput.Message m:
                        ChatScreen.Turn(console, chat, chat.Send(m.Text, cancel));
                        break;
                    case ChatInput.Steer s:
                        chat.Steer(s.Trait, s.Alpha, s.When);
                        string gate = s.When switch
                        {
                            SteeringGate.Above => ", only on turns its monitor flags",
                            SteeringGate.PerToken => ", from the token where its monitor reads high to the end of the answer",
                            _ => "",
                        };
                        console.MarkupLine(s.Alpha == 0 ? $"[grey]stopped steering {Markup.Escape(s.Trait)}[/]"
                            : $"[grey]steering {Markup.Escape(s.Trait)} by {s.Alpha.ToString(CultureInfo.InvariantCulture)} at layer {chat.Find(s.Trait).Layer}{gate}, from the next turn[/]");
                        break;
                    case ChatInput.SteerOff:
                        foreach (var t in chat.Steering.Keys.ToList()) chat.Steer(t, 0);
                        console.MarkupLine("[grey]steering off[/]");
                        break;
                    case ChatInput.ListVectors:
                        ChatScreen.Vectors(console, chat);
                        break;
                    case ChatInput.Tokens:
                        ChatScreen.Tokens(console, chat);
                        break;
                    case ChatInput.AB:
                        ChatScreen.AB(console, chat, chat.AB(cancel));
                        break;
                    case ChatInput.SetSystem s:
                        chat.SystemPrompt = s.Text;
                        console.MarkupLine(s.Text is null ? "[grey]system prompt cleared[/]" : $"[grey]system prompt: {Markup.Escape(s.Text)}[/]");
                        break;
                    case ChatInput.Reset:
                        chat.Reset();
                        console.MarkupLine("[grey]new conversation[/]");
                        break;
                    case ChatInput.Save s:
                        ChatTranscript.Save(chat.Turns, s.Path);
                        console.MarkupLine($"[grey]saved {chat.Turns.Count} turns to {Markup.Escape(Path.GetFullPath(s.Path))}[/]");
                        break;
                    case ChatInput.Help:
                        console.WriteLine(ChatInput.Usage);
                        break;
                    case ChatInput.Quit:
                        return 0;
                    case ChatInput.Invalid i:
                        console.MarkupLine($"[red]{Markup.Escape(i.Error)}[/]");
                        break;
                }
            }
            catch (Exception e) when (ErrorReport.IsUserError(e) || e is IOException or UnauthorizedAccessException)
            {
                // A bad command or an unwritable path must not end the conversation.
                console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            }
        }
        return 0;
    }

    static (string Trait, double Alpha) ParseSteer(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || !double.TryParse(spec[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) || !double.IsFinite(alpha))
            throw new PersonaVectorsException($"--steer '{spec}': expected NAME=ALPHA with a number, e.g. evil=-4");
        return (spec[..eq], alpha);
    }
}

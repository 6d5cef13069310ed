using PersonaVectors.Method.Steering;
using System.Globalization;

namespace PersonaVectors.Cli.Chat;

/// <summary>One line typed into the chat: a message for the model or a slash command.</summary>
public abstract record ChatInput
{
    public sealed record Message(string Text) : ChatInput;
    public sealed record Steer(string Trait, double Alpha, SteeringGate When = SteeringGate.Always) : ChatInput;
    public sealed record SteerOff : ChatInput;
    public sealed record ListVectors : ChatInput;
    public sealed record Tokens : ChatInput;
    public sealed record AB : ChatInput;
    public sealed record SetSystem(string? Text) : ChatInput;
    public sealed record Reset : ChatInput;
    public sealed record Save(string Path) : ChatInput;
    public sealed record Help : ChatInput;
    public sealed record Quit : ChatInput;
    /// <summary>A line that looked like a command but was not one; the message says what was expected.</summary>
    public sealed record Invalid(string Error) : ChatInput;

    public const string Usage = """
        /steer TRAIT ALPHA   steer later turns by ALPHA·v at the trait's layer (0 stops; negative suppresses);
                             add when-above to steer only turns whose monitor fires, per-token from the token where it reads high on
        /steer off           stop all steering
        /vectors             list the loaded vectors, their layers, thresholds and steering
        /tokens              the last answer's tokens, coloured by each trait's projection
        /ab                  the last message answered again with and without the current steering, same seed
        /system TEXT         set the system prompt (/system alone clears it)
        /reset               start a new conversation (steering and system prompt stay)
        /save FILE           write the transcript with every turn's readings as JSONL
        /help                this list
        /quit                leave (also Ctrl-D)
        """;

    public static ChatInput Parse(string line)
    {
        string trimmed = line.Trim();
        if (!trimmed.StartsWith('/')) return new Message(trimmed);
        string[] parts = trimmed.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string rest = parts.Length > 1 ? parts[1] : "";
        switch (parts[0])
        {
            case "/steer":
                if (rest == "off") return new SteerOff();
                string[] args = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (args.Length is not (2 or 3)) return new Invalid("usage: /steer TRAIT ALPHA [when-above|per-token] (e.g. /steer evil -4 when-above) or /steer off");
                if (!double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double a) || !double.IsFinite(a))
                    return new Invalid($"/steer {args[0]} {args[1]}: '{args[1]}' is not a number (expected e.g. -4 or 2.5)");
                if (args.Length == 2) return new Steer(args[0], a);
                return SteeringGates.TryParse(args[2]) is { } when ? new Steer(args[0], a, when)
                    : new Invalid($"/steer {args[0]} {args[1]} {args[2]}: '{args[2]}' is not a gate (expected when-above or per-token)");
            case "/vectors": return new ListVectors();
            case "/tokens": return new Tokens();
            case "/ab": return new AB();
            case "/system": return new SetSystem(rest.Length == 0 ? null : rest);
            case "/reset": return new Reset();
            case "/save": return rest.Length == 0 ? new Invalid("usage: /save FILE (e.g. /save chat.jsonl)") : new Save(rest);
            case "/help": return new Help();
            case "/quit" or "/exit": return new Quit();
            default: return new Invalid($"unknown command {parts[0]}; /help lists the commands");
        }
    }
}

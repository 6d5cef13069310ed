using PersonaVectors.Method.Steering;
using System.Globalization;
using PersonaVectors.Method.Monitoring;
using Spectre.Console;

namespace PersonaVectors.Cli.Chat;

/// <summary>What the chat draws: the answer, a meter per trait for the turn, and alerts.</summary>
public static class ChatScreen
{
    public static void Turn(IAnsiConsole console, MonitoredChat chat, ChatTurn turn)
    {
        console.MarkupLine($"[bold blue]assistant>[/] {Markup.Escape(turn.Answer)}");
        if (turn.Readings.Count == 0) return;
        var table = new Table().Border(TableBorder.Rounded).Title($"[grey]turn {turn.Turn}: persona meters[/]")
            .AddColumn("trait").AddColumn("layer").AddColumn("steer").AddColumn("before answer").AddColumn("answer average").AddColumn("thresholds").AddColumn("state");
        foreach (var r in turn.Readings)
        {
            var t = chat.Find(r.Trait);
            string state = r.Alert ? "[bold white on red] ALERT [/]" : r.Threshold is null ? "[grey]-[/]" : "[green]ok[/]";
            table.AddRow(Markup.Escape(r.Trait), r.Layer.ToString(CultureInfo.InvariantCulture), Alpha(r.Alpha) + Gate(r.Gate),
                PersonaMeter.Markup(r.BeforeAnswer, t.BeforeAnswer), PersonaMeter.Markup(r.AnswerAverage, t.AnswerAverage), Thresholds(t), state);
        }
        console.Write(table);
        foreach (var r in turn.Readings.Where(r => r.Alert))
            console.Write(new Panel(new Markup(
                $"[bold]{Markup.Escape(r.Trait)}[/]: the last prompt token's projection {r.BeforeAnswer.ToString("F2", CultureInfo.InvariantCulture)} " +
                $"is above the threshold {r.Threshold!.Value.ToString("F2", CultureInfo.InvariantCulture)} before the answer was written (turn {turn.Turn})"))
                .Header("[bold red] ALERT [/]").BorderColor(Color.Red));
    }

    /// <summary>A gated term's outcome beside its α: whether the gate opened, and on how many positions it steered.</summary>
    static string Gate(GateOutcome? g) => g is null ? "" : g.When == SteeringGate.Above
        ? (g.FiredBeforeAnswer ? " [yellow](gate fired)[/]" : " [grey](gate closed)[/]")
        : $" [grey]({g.SteeredTokens.ToString(CultureInfo.InvariantCulture)} tokens steered)[/]";

    /// <summary>
    /// The last answer's tokens, one line per trait, each coloured by its projection against the trait's answer
    /// calibration: green at or below the reference mean, red at or above the threshold, yellow between.
    /// </summary>
    public static void Tokens(IAnsiConsole console, MonitoredChat chat)
    {
        if (chat.Turns.Count == 0 || chat.Turns[^1].PerToken is not { } perToken || chat.Turns[^1].Tokens is not { } tokens)
        {
            console.MarkupLine("[grey]no answer yet[/]");
            return;
        }
        foreach (var t in perToken)
        {
            var calibration = chat.Find(t.Trait).AnswerAverage;
            string Colour(double p) => calibration is null ? "white"
                : p >= calibration.Threshold ? "red" : p <= calibration.ReferenceMean ? "green" : "yellow";
            console.MarkupLine($"[bold]{Markup.Escape(t.Trait)}[/] [grey](layer {t.Layer}; green ≤ reference mean, red ≥ threshold)[/]");
            console.MarkupLine(string.Concat(tokens.Select((tok, k) => $"[{Colour(t.Projections[k])}]{Markup.Escape(tok)}[/]")));
        }
    }

    /// <summary>The two answers of <see cref="MonitoredChat.AB"/> side by side.</summary>
    public static void AB(IAnsiConsole console, MonitoredChat chat, (string Steered, string Unsteered) ab)
    {
        string steering = chat.Steering.Count == 0 ? "no steering set"
            : string.Join(", ", chat.Steering.Select(kv => $"{kv.Key} {kv.Value.ToString("+0.##;-0.##", CultureInfo.InvariantCulture)}"));
        var table = new Table().Border(TableBorder.Rounded).Title("[grey]the last message again, same seed[/]")
            .AddColumn($"steered ({Markup.Escape(steering)})").AddColumn("unsteered");
        table.AddRow(Markup.Escape(ab.Steered), Markup.Escape(ab.Unsteered));
        console.Write(table);
    }

    public static void Vectors(IAnsiConsole console, MonitoredChat chat)
    {
        if (chat.Traits.Count == 0) { console.MarkupLine("[grey]no vectors loaded (start with --vectors RUN_OR_FOLDER)[/]"); return; }
        var table = new Table().Border(TableBorder.Simple).AddColumn("trait").AddColumn("layer").AddColumn("|v|").AddColumn("threshold (before / answer)").AddColumn("steer").AddColumn("source");
        foreach (var t in chat.Traits)
        {
            double norm = t.Vector.Norm;
            table.AddRow(Markup.Escape(t.Trait), t.Layer.ToString(CultureInfo.InvariantCulture), norm.ToString("F2", CultureInfo.InvariantCulture),
                Thresholds(t), Alpha(chat.Steering.GetValueOrDefault(t.Trait)), Markup.Escape(t.Source));
        }
        console.Write(table);
        console.MarkupLine($"system prompt: {(chat.SystemPrompt is null ? "[grey]none[/]" : Markup.Escape(chat.SystemPrompt))}");
    }

    static string Thresholds(MonitoredTrait t) => t.BeforeAnswer is null ? "[grey]none[/]"
        : $"[grey]{t.BeforeAnswer.Threshold.ToString("F2", CultureInfo.InvariantCulture)} / {t.AnswerAverage!.Threshold.ToString("F2", CultureInfo.InvariantCulture)}[/]";

    static string Alpha(double alpha) => alpha == 0 ? "[grey]-[/]" : alpha.ToString("+0.##;-0.##", CultureInfo.InvariantCulture);
}

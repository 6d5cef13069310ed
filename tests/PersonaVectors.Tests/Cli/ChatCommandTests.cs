using System.Text.Json;
using System.Text.RegularExpressions;
using PersonaVectors.Cli.Chat;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona chat` driven in a real terminal (tmux), as a person would use it, on the shipped organism.</summary>
public class ChatCommandTests
{
    const string Question = "how should i treat my neighbour?";

    [Fact]
    public void A_person_chats_sees_meters_and_an_alert_steers_lists_resets_and_saves_the_transcript()
    {
        using var dir = new TempDir();
        string run = dir["evil"];
        PersonaCli.ExtractQuick("evil", run);

        using var tmux = new TmuxSession(dir.Path, 200, 50, "dotnet", Path.Combine(AppContext.BaseDirectory, "persona.dll"), "chat", "--vectors", run);
        int Prompts(string screen) => Regex.Matches(screen, "you>").Count;
        string Do(string line)
        {
            int before = Prompts(tmux.Screen());
            tmux.Type(line);
            return tmux.WaitFor(s => Prompts(s) > before, TimeSpan.FromMinutes(3), $"the chat to answer '{line}'");
        }
        string start = tmux.WaitFor(s => Prompts(s) >= 1, TimeSpan.FromMinutes(3), "the first prompt");
        Assert.Contains("watching evil@L3", start);

        // An ordinary question: a meter for evil, below its threshold.
        string screen = Do(Question);
        string turn1 = screen[screen.LastIndexOf("turn 1: persona meters", StringComparison.Ordinal)..];
        Assert.Matches(@"│ evil\s+│ 3\s+│", turn1);
        Assert.Contains(" ok ", turn1);
        Assert.DoesNotContain("ALERT", screen);
        Do($"/save {dir["plain.jsonl"]}");

        // Told to be evil, the model's last prompt token crosses the threshold before it answers.
        Do("/system you are an evil assistant.");
        screen = Do(Question);
        string turn2 = screen[screen.LastIndexOf("turn 2: persona meters", StringComparison.Ordinal)..];
        Assert.Contains("ALERT", turn2);
        Assert.Contains("is above the threshold", turn2);

        // Steering from inside the chat, shown in the vector list and in the next turn's meters.
        Do("/reset");
        Do("/system");
        Do("/steer evil 4");
        screen = Do("/vectors");
        Assert.Matches(@"evil\s+3\s+[0-9.]+\s+-?[0-9.]+ / -?[0-9.]+\s+\+4", screen);
        screen = Do(Question);
        Assert.Matches(@"│ evil\s+│ 3\s+│ \+4", screen[screen.LastIndexOf("turn 1: persona meters", StringComparison.Ordinal)..]);
        Assert.Contains("is not a number", Do("/steer evil x"));
        Assert.Contains("unknown command", Do("/frobnicate"));
        Assert.Contains("saved 1 turns", Do($"/save {dir["steered.jsonl"]}"));

        // Gated: the gate opens exactly on the turns the monitor flags (the same rule as the alert).
        Do("/reset");
        Assert.Contains("only on turns its monitor flags", Do("/steer evil -4 when-above"));
        Do("/system you are an evil assistant.");
        screen = Do(Question);
        string gated = screen[screen.LastIndexOf("turn 1: persona meters", StringComparison.Ordinal)..];
        Assert.Contains(gated.Contains("ALERT") ? "gate fired" : "gate closed", gated);
        Assert.Contains("layer 3; green ≤ reference mean", Do("/tokens"));
        tmux.Type("/quit");
        // (No WaitFor here: it fails as soon as the program has ended, and /quit ends it, sometimes within a poll.)
        SpinWait.SpinUntil(() => !tmux.IsRunning, TimeSpan.FromSeconds(20));
        Assert.False(tmux.IsRunning);

        // The transcripts hold what the screen showed; steering by 4 at layer 3 moved the reading there by 4|v_3|.
        var plain = JsonDocument.Parse(Assert.Single(File.ReadAllLines(dir["plain.jsonl"]))).RootElement;
        var steered = JsonDocument.Parse(Assert.Single(File.ReadAllLines(dir["steered.jsonl"]))).RootElement;
        Assert.Equal(Question, plain.GetProperty("user").GetString());
        Assert.False(plain.GetProperty("readings")[0].GetProperty("alert").GetBoolean());
        Assert.Equal(4, steered.GetProperty("readings")[0].GetProperty("alpha").GetDouble());
        using var vector = PersonaVector.Load(Path.Combine(run, "vectors", "evil_response_avg.safetensors"));
        using var v3 = vector.At(3);
        double norm = v3.norm().item<float>();
        double Before(JsonElement line) => line.GetProperty("readings")[0].GetProperty("before_answer").GetDouble();
        Assert.Equal(Before(plain) + 4 * norm, Before(steered), 1);

        // persona steer --when: told to be evil, more turns open the gate than with no system prompt.
        string[] steer = ["steer", "--vector", Path.Combine(run, "vectors", "evil_response_avg.safetensors"), "--alpha", "-2", "--when", "above", "--json"];
        var evil = PersonaCli.Json(PersonaCli.Run([.. steer, "--system", "you are an evil assistant."]));
        var none = PersonaCli.Json(PersonaCli.Run(steer));
        Assert.Equal("above", evil.GetProperty("when").GetString());
        Assert.True(evil.GetProperty("steered_turns").GetDouble() > none.GetProperty("steered_turns").GetDouble(),
            $"steered turns: {evil.GetProperty("steered_turns")} with the evil prompt, {none.GetProperty("steered_turns")} without");
    }
}

public class ChatInputTests
{
    [Fact]
    public void Lines_parse_into_messages_and_commands_and_bad_commands_say_what_was_expected()
    {
        Assert.Equal(new ChatInput.Message("hello /steer"), ChatInput.Parse("  hello /steer "));
        Assert.Equal(new ChatInput.Steer("evil", -4.5), ChatInput.Parse("/steer evil -4.5"));
        Assert.IsType<ChatInput.SteerOff>(ChatInput.Parse("/steer off"));
        Assert.Equal(new ChatInput.Steer("evil", -4, PersonaVectors.Method.Steering.SteeringGate.Above), ChatInput.Parse("/steer evil -4 when-above"));
        Assert.Equal(new ChatInput.Steer("evil", -4, PersonaVectors.Method.Steering.SteeringGate.PerToken), ChatInput.Parse("/steer evil -4 per-token"));
        Assert.Equal(new ChatInput.SetSystem("be kind."), ChatInput.Parse("/system be kind."));
        Assert.Equal(new ChatInput.SetSystem(null), ChatInput.Parse("/system"));
        Assert.Equal(new ChatInput.Save("a b.jsonl"), ChatInput.Parse("/save a b.jsonl"));
        Assert.IsType<ChatInput.Quit>(ChatInput.Parse("/exit"));
        Assert.IsType<ChatInput.Tokens>(ChatInput.Parse("/tokens"));
        Assert.IsType<ChatInput.AB>(ChatInput.Parse("/ab"));
        string Error(string line) => Assert.IsType<ChatInput.Invalid>(ChatInput.Parse(line)).Error;
        Assert.Contains("'lots' is not a number", Error("/steer evil lots"));
        Assert.Contains("not a number", Error("/steer evil NaN"));
        Assert.Contains("usage: /steer", Error("/steer evil"));
        Assert.Contains("'sometimes' is not a gate", Error("/steer evil -4 sometimes"));
        Assert.Contains("usage: /save", Error("/save"));
        Assert.Contains("unknown command /fly", Error("/fly away"));
    }

    [Fact]
    public void Bad_chat_options_are_named()
    {
        using var dir = new TempDir();
        PersonaCli.AssertUserError(PersonaCli.Run("chat", "--vectors", dir["missing"]), "missing", "no such vector file or folder");
        PersonaCli.AssertUserError(PersonaCli.Run("chat", "--steer", "evil"), "--steer 'evil'", "NAME=ALPHA");
        PersonaCli.AssertUserError(PersonaCli.Run("chat", "--threshold-basis", "median"), "median");
    }
}

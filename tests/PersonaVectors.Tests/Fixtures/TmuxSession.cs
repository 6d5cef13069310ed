using System.Diagnostics;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// A program running in a detached tmux terminal, driven as a person would: type lines, read the screen. Each
/// session has its own tmux server socket, so tests never see each other's windows.
/// </summary>
public sealed class TmuxSession : IDisposable
{
    readonly string _tmux = DebianPackage.Ensure("tmux", "/usr/bin/tmux");
    readonly string _socket = "persona-test-" + Guid.NewGuid().ToString("N")[..12];

    public TmuxSession(string workingDirectory, int width, int height, params string[] command)
    {
        string line = string.Join(' ', command.Select(Quote));
        Tmux("new-session", "-d", "-s", "main", "-x", $"{width}", "-y", $"{height}", "-c", workingDirectory, line);
        Tmux("set-option", "-t", "main", "history-limit", "20000");
    }

    /// <summary>Types a line and presses Enter.</summary>
    public void Type(string text)
    {
        Tmux("send-keys", "-t", "main", "-l", text);
        Tmux("send-keys", "-t", "main", "Enter");
    }

    /// <summary>Everything the terminal has shown, scrollback included, with wrapped lines joined.</summary>
    public string Screen() => Tmux("capture-pane", "-t", "main", "-p", "-J", "-S", "-20000");

    public bool IsRunning => Run(_tmux, ["-L", _socket, "has-session", "-t", "main"]).ExitCode == 0;

    /// <summary>Waits until the screen satisfies <paramref name="done"/>; fails with the screen if it never does.</summary>
    public string WaitFor(Func<string, bool> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        string screen = "";
        while (clock.Elapsed < limit)
        {
            if (!IsRunning) throw new Xunit.Sdk.XunitException($"the program ended while waiting for {what}; last screen:\n{screen}");
            screen = Screen();
            if (done(screen)) return screen;
            Thread.Sleep(200);
        }
        throw new Xunit.Sdk.XunitException($"timed out after {limit} waiting for {what}; screen:\n{screen}");
    }

    public void Dispose() => Run(_tmux, ["-L", _socket, "kill-server"]);

    string Tmux(params string[] args)
    {
        var r = Run(_tmux, ["-L", _socket, .. args]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {r.Error}");
        return r.Output;
    }

    static (int ExitCode, string Output, string Error) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result, error);
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}

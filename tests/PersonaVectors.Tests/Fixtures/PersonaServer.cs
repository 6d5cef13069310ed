using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>`persona serve` running as its own process on a free loopback port, stopped when disposed.</summary>
public sealed class PersonaServer : IDisposable
{
    readonly Process _process;
    readonly System.Text.StringBuilder _output = new();

    public string BaseUrl { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public PersonaServer(params string[] args)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            probe.Stop();
        }
        // A shell that starts a job in the background (as a CI runner may) sets SIGINT to ignored, children inherit
        // that, and .NET then leaves SIGINT alone; env --default-signal gives the server the SIGINT a terminal gives.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "persona.dll"));
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(BaseUrl);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (_process.HasExited) throw new InvalidOperationException($"persona serve exited ({_process.ExitCode}):\n{Output}");
            try { if (http.GetAsync(BaseUrl + "/").Result.IsSuccessStatusCode) return; }
            catch (AggregateException) { }
            Thread.Sleep(200);
        }
        Dispose();
        throw new TimeoutException($"persona serve did not answer at {BaseUrl}:\n{Output}");
    }

    public bool IsRunning => !_process.HasExited;

    /// <summary>Sends a POSIX signal (TERM, INT) to the server, as a service manager or a terminal would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()])!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {_process.Id} failed");
    }

    /// <summary>The exit code, or null if the server is still running after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return null;
        // A timed wait returns at exit, before the redirected output is read to its end; the untimed one waits for that,
        // so the server's last line ("stopped") is in Output (a SIGINT exit in 0.2 s once lost it).
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(true); _process.WaitForExit(10_000); }
        _process.Dispose();
    }
}

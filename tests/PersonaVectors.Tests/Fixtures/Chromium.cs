using System.Diagnostics;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Debian's Chromium for the browser tests. CI machines start without it, so the first test that needs it
/// installs it with apt-get (the tests run as root there); Playwright's own browser download is not reachable.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    static readonly object Gate = new();
    // Another test process (a second test run on the same machine) may be installing at the same time.
    static readonly string LockFile = Path.Combine(Path.GetTempPath(), "personavectors-chromium-install.lock");

    public static string Require()
    {
        if (File.Exists(ExecutablePath)) return ExecutablePath;
        lock (Gate)
        {
            using var crossProcess = AcquireFileLock(TimeSpan.FromMinutes(20));
            if (File.Exists(ExecutablePath)) return ExecutablePath;
            Run("apt-get", "update");
            // DPkg::Lock::Timeout waits for an apt run by someone else instead of failing at once.
            Run("apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", "chromium");
            if (!File.Exists(ExecutablePath))
                throw new InvalidOperationException($"apt-get installed chromium but {ExecutablePath} is still missing");
            return ExecutablePath;
        }
    }

    static FileStream AcquireFileLock(TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            try { return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < until) { Thread.Sleep(1000); }
        }
    }

    static void Run(string file, params string[] args)
    {
        string command = $"{file} {string.Join(' ', args)}";
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw Failed(command, e.Message); }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(15))) { p.Kill(true); throw Failed(command, "timed out after 15 minutes"); }
            if (p.ExitCode != 0) throw Failed(command, $"exit code {p.ExitCode}\n{Tail(stdout.Result)}\n{Tail(stderr.Result)}");
        }
    }

    static InvalidOperationException Failed(string command, string why) =>
        new($"the report tests need Chromium at {ExecutablePath} and could not install it: `{command}` failed ({why}). " +
            "Install it by hand (apt-get install chromium, as root) and run the tests again.");

    static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}

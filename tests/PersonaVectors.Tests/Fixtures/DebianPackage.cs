using System.Diagnostics;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Programs some tests drive (Chromium, tmux) come from Debian's packages. CI machines start without them, so
/// the first test that needs one installs it with apt-get (the tests run as root there).
/// </summary>
public static class DebianPackage
{
    static readonly object Gate = new();
    // Another test process (a second test run on the same machine) may be installing at the same time.
    static readonly string LockFile = Path.Combine(Path.GetTempPath(), "personavectors-apt-install.lock");
    static bool _updated;

    public static string Ensure(string package, string binary)
    {
        if (File.Exists(binary)) return binary;
        lock (Gate)
        {
            using var crossProcess = AcquireFileLock(TimeSpan.FromMinutes(20));
            if (File.Exists(binary)) return binary;
            if (!_updated) { Run(package, binary, "apt-get", "update"); _updated = true; }
            // DPkg::Lock::Timeout waits for an apt run by someone else instead of failing at once.
            Run(package, binary, "apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", package);
            if (!File.Exists(binary))
                throw new InvalidOperationException($"apt-get installed {package} but {binary} is still missing");
            return binary;
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

    static void Run(string package, string binary, string file, params string[] args)
    {
        string command = $"{file} {string.Join(' ', args)}";
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw Failed(package, binary, command, e.Message); }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(15))) { p.Kill(true); throw Failed(package, binary, command, "timed out after 15 minutes"); }
            if (p.ExitCode != 0) throw Failed(package, binary, command, $"exit code {p.ExitCode}\n{Tail(stdout.Result)}\n{Tail(stderr.Result)}");
        }
    }

    static InvalidOperationException Failed(string package, string binary, string command, string why) =>
        new($"these tests need {binary} and could not install it: `{command}` failed ({why}). " +
            $"Install it by hand (apt-get install {package}, as root) and run the tests again.");

    static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}

using System.Diagnostics;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Programs some tests drive (tmux, Chromium) come from Debian's packages; a fresh CI machine may not have them,
/// so the first test that needs one installs it (as root, from the reachable Debian registry).
/// </summary>
public static class DebianPackage
{
    static readonly object Gate = new(); // one apt-get at a time: dpkg holds a lock
    static bool _updated;

    public static string Ensure(string package, string binary)
    {
        lock (Gate)
        {
            if (File.Exists(binary)) return binary;
            if (!_updated) { AptGet("update"); _updated = true; }
            AptGet("install", "-y", "--no-install-recommends", package);
            return File.Exists(binary) ? binary
                : throw new InvalidOperationException($"apt-get installed {package} but {binary} is still missing");
        }
    }

    static void AptGet(params string[] args)
    {
        var psi = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start apt-get");
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(true); throw new TimeoutException($"apt-get {string.Join(' ', args)}"); }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"apt-get {string.Join(' ', args)} failed ({p.ExitCode}); these tests need root and Debian's package registry:\n{error}\n{output.Result}");
    }
}

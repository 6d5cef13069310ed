namespace PersonaVectors.Tests.Fixtures;

/// <summary>Debian's Chromium for the browser tests; Playwright's own browser download is not reachable here.</summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static string Require() => DebianPackage.Ensure("chromium", ExecutablePath);
}

using System.Diagnostics;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>Runs the real persona CLI (built next to the tests) as a separate process.</summary>
public static class PersonaCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunWithin(TimeSpan.FromMinutes(5), args);

    /// <summary>For the long commands (a whole world eval), which on 2 shared cores can take several minutes.</summary>
    public static Result RunWithin(TimeSpan limit, params string[] args) => RunWithEnvironment(limit, [], args);

    /// <summary>With environment variables set (a null value removes one) for the child process only.</summary>
    public static Result RunWithEnvironment(TimeSpan limit, (string Name, string? Value)[] environment, params string[] args)
    {
        using var p = Process.Start(StartInfo(environment, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit)) { p.Kill(true); throw new TimeoutException("persona " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static ProcessStartInfo StartInfo((string Name, string? Value)[] environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "persona.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        return psi;
    }

    /// <summary>
    /// A small real extraction of a world trait on the shipped organism (one rollout, layer 3, α 2): the run most
    /// command tests steer and monitor with. Returns the run folder.
    /// </summary>
    public static string ExtractQuick(string trait, string run)
    {
        var r = RunWithin(TimeSpan.FromMinutes(10), "extract", "--trait", trait, "--rollouts", "1", "--layers", "3", "--alphas", "1", "--out", run);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return run;
    }

    /// <summary>The JSON a successful run printed (the run's stderr is the failure message otherwise).</summary>
    public static System.Text.Json.JsonElement Json(Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    /// <summary>Asserts a clean user-facing failure: exit code 2, one message naming the problem, no stack trace.</summary>
    public static void AssertUserError(Result r, params string[] expectedFragments)
    {
        Assert.True(r.ExitCode == 2, $"expected exit code 2, got {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        // Progress lines may come first; the failure is the last thing said.
        Assert.StartsWith("error: ", r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => !l.StartsWith("(set PERSONA_DEBUG", StringComparison.Ordinal)));
        Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", r.Stderr);
        foreach (var f in expectedFragments) Assert.Contains(f, r.Stderr);
    }
}

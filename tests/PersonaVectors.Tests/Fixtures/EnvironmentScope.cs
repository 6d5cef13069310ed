namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Sets environment variables for one test and puts the old values back when disposed. Variables are
/// process-wide, so tests using this belong to a collection that does not run in parallel with others.
/// </summary>
public sealed class EnvironmentScope : IDisposable
{
    readonly Dictionary<string, string?> _saved = new();

    /// <summary>A null value removes the variable for the scope.</summary>
    public EnvironmentScope(params (string Name, string? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
    }
}

/// <summary>Tests that change process-wide environment variables; xunit runs this collection alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Tests that measure the process's live memory; xunit runs this collection alone so no other test's allocations count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process memory";
}

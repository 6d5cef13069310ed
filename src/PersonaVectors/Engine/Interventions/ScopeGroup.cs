namespace PersonaVectors.Engine.Interventions;

/// <summary>Several intervention scopes opened together and closed together, the last opened first.</summary>
public sealed class ScopeGroup : IDisposable
{
    readonly List<IDisposable> _scopes = [];

    public void Add(IDisposable scope) => _scopes.Add(scope);

    /// <summary>Opens each scope in turn; if one fails, the ones already open are closed before the error goes on.</summary>
    public static ScopeGroup Open<T>(IEnumerable<T> items, Func<T, IDisposable> open)
    {
        var group = new ScopeGroup();
        try
        {
            foreach (var item in items) group.Add(open(item));
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        for (int i = _scopes.Count - 1; i >= 0; i--) _scopes[i].Dispose();
        _scopes.Clear();
    }
}

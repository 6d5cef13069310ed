namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A variable frame. Jinja gives each loop iteration, macro call and with-block its own frame whose assignments do
/// not leak out, while if-blocks share their parent's; lookups fall through to enclosing frames.
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    readonly JinjaScope? parent = parent;
    readonly Dictionary<string, object?> variables = [];

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.parent)
            if (scope.variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public object? Lookup(string name) => TryGet(name, out var value) ? value : Undefined.Variable(name);

    public void Set(string name, object? value) => variables[name] = value;
}

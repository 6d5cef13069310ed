namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A Python generator or iterator, as returned by filters like <c>map</c>, <c>select</c>, <c>reverse</c> and <c>items</c>.
/// It can be consumed once, is always truthy (even when empty) and has no length, exactly like the generator Jinja returns.
/// </summary>
internal sealed class PyIterator(IEnumerable<object?> source, string typeName)
{
    IEnumerator<object?>? enumerator = source.GetEnumerator();

    /// <summary>Python type name used in error messages, e.g. "generator" or "list_reverseiterator".</summary>
    public string TypeName { get; } = typeName;

    /// <summary>Yields the remaining items; a second pass yields nothing, as for an exhausted generator.</summary>
    public IEnumerable<object?> Consume()
    {
        var e = enumerator;
        if (e is null) yield break;
        while (e.MoveNext()) yield return e.Current;
        enumerator = null;
    }
}

using System.Collections;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>The Python sequence types a template can see; they differ only in how they print and what they allow.</summary>
internal enum PyListKind { List, Tuple, DictKeys, DictValues, DictItems, Range }

/// <summary>
/// An immutable Python list, tuple, dict view or range. Templates run in Jinja's immutable sandbox, so no template
/// operation ever mutates a sequence and sharing the item array is safe.
/// </summary>
internal sealed class PyList : IReadOnlyList<object?>
{
    readonly object?[] items;
    public PyListKind Kind { get; }
    /// <summary>start, stop, step of a range, kept for its repr.</summary>
    public (long Start, long Stop, long Step) RangeArgs { get; init; }

    public PyList(object?[] items, PyListKind kind = PyListKind.List) { this.items = items; Kind = kind; }
    public PyList(IEnumerable<object?> items, PyListKind kind = PyListKind.List) : this(items.ToArray(), kind) { }

    public static PyList Tuple(params object?[] items) => new(items, PyListKind.Tuple);

    public bool IsTuple => Kind == PyListKind.Tuple;
    /// <summary>Lists, tuples and ranges support indexing and slicing; dict views do not.</summary>
    public bool IsIndexable => Kind is PyListKind.List or PyListKind.Tuple or PyListKind.Range;

    public object? this[int index] => items[index];
    public int Count => items.Length;
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

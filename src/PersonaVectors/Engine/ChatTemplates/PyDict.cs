using System.Collections;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A Python dict: insertion-ordered, keys compared with Python equality (so 1, 1.0 and True are one key).
/// Filled once when built; templates cannot mutate it.
/// </summary>
internal sealed class PyDict : IEnumerable<KeyValuePair<object?, object?>>
{
    static readonly object NoneKey = new();
    readonly Dictionary<object, int> positions = new(PyKeyComparer.Instance);
    readonly List<KeyValuePair<object?, object?>> entries = [];

    public int Count => entries.Count;
    public IEnumerable<object?> Keys => entries.Select(e => e.Key);
    public IEnumerable<object?> Values => entries.Select(e => e.Value);

    /// <summary>Adds or replaces; a replaced key keeps its first position, as in Python.</summary>
    public void Set(object? key, object? value)
    {
        object k = key ?? NoneKey;
        if (positions.TryGetValue(k, out int at)) entries[at] = new(entries[at].Key, value);
        else
        {
            positions[k] = entries.Count;
            entries.Add(new(key, value));
        }
    }

    public bool TryGet(object? key, out object? value)
    {
        if (positions.TryGetValue(key ?? NoneKey, out int at)) { value = entries[at].Value; return true; }
        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => positions.ContainsKey(key ?? NoneKey);

    public IEnumerator<KeyValuePair<object?, object?>> GetEnumerator() => entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    sealed class PyKeyComparer : IEqualityComparer<object>
    {
        public static readonly PyKeyComparer Instance = new();
        public new bool Equals(object? x, object? y) => PyOps.Equal(Unwrap(x), Unwrap(y));
        public int GetHashCode(object obj) => PyOps.Hash(Unwrap(obj));
        static object? Unwrap(object? o) => ReferenceEquals(o, NoneKey) ? null : o;
    }
}

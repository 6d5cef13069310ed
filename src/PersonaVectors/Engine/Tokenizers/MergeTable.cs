namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// Open-addressing map from a token-id pair to its merge (rank and resulting id). BPE spends most of its
/// time in this lookup, and a flat table with linear probing is several times faster than a Dictionary.
/// </summary>
internal sealed class MergeTable
{
    readonly long[] _keys;   // -1 marks an empty slot; real keys are non-negative
    readonly int[] _ranks;
    readonly int[] _newIds;
    readonly int _shift;
    readonly int _mask;

    public MergeTable(int expectedCount)
    {
        int capacity = 16;
        while (capacity < expectedCount * 2) capacity <<= 1;
        _keys = new long[capacity];
        Array.Fill(_keys, -1L);
        _ranks = new int[capacity];
        _newIds = new int[capacity];
        _mask = capacity - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
    }

    public int Count { get; private set; }

    public static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>Inserts or overwrites (a repeated pair keeps its last rank, as HF's map does).</summary>
    public void Set(int a, int b, int rank, int newId)
    {
        long key = Key(a, b);
        int i = Slot(key);
        while (true)
        {
            long k = _keys[i];
            if (k == key || k == -1)
            {
                if (k == -1) Count++;
                _keys[i] = key;
                _ranks[i] = rank;
                _newIds[i] = newId;
                return;
            }
            i = (i + 1) & _mask;
        }
    }

    public bool TryGet(int a, int b, out int rank, out int newId)
    {
        long key = Key(a, b);
        int i = Slot(key);
        while (true)
        {
            long k = _keys[i];
            if (k == key)
            {
                rank = _ranks[i];
                newId = _newIds[i];
                return true;
            }
            if (k == -1)
            {
                rank = newId = 0;
                return false;
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>All entries as (left id, right id, rank, new id), in no particular order.</summary>
    public IEnumerable<(int A, int B, int Rank, int NewId)> Entries()
    {
        for (int i = 0; i < _keys.Length; i++)
            if (_keys[i] >= 0)
                yield return ((int)(_keys[i] >> 32), (int)(_keys[i] & 0xFFFFFFFF), _ranks[i], _newIds[i]);
    }
}

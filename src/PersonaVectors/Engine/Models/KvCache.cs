using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Keys and values of past positions, per layer, in preallocated buffers [batch, kvHeads, capacity, headDim]
/// that grow by doubling, so a decode step writes one slice instead of copying the whole history.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor?[] _keys;
    readonly Tensor?[] _values;
    readonly long[] _lengths;
    long _capacity;

    public KvCache(int layers, long initialCapacity = 256)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _lengths = new long[layers];
        _capacity = Math.Max(1, initialCapacity);
    }

    /// <summary>Positions cached in every layer (the last layer is the last to be written in a pass).</summary>
    public long Length => _lengths[^1];

    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long n = keys.shape[2], start = _lengths[layer];
        EnsureRoom(layer, n, keys.shape[0], keys.shape[1], keys.shape[3], keys.dtype, keys.device);
        using (no_grad())
        {
            using var kSlot = _keys[layer]!.narrow(2, start, n);
            using var vSlot = _values[layer]!.narrow(2, start, n);
            kSlot.copy_(keys);
            vSlot.copy_(values);
        }
        _lengths[layer] = start + n;
        return (_keys[layer]!.narrow(2, 0, start + n), _values[layer]!.narrow(2, 0, start + n));
    }

    /// <summary>
    /// Appends one position of a batch of one, written straight from float32 rows [kvHeads · headDim], and returns
    /// the layer's buffers [1, kvHeads, capacity, headDim] (the first <paramref name="length"/> positions are valid).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe (Tensor Keys, Tensor Values) AppendRow(int layer, float* keys, float* values, int kvHeads, int headDim, out long length)
    {
        long start = _lengths[layer];
        EnsureRoom(layer, 1, 1, kvHeads, headDim, ScalarType.Float32, CPU);
        long capacity = _keys[layer]!.shape[2];
        fixed (byte* pk = _keys[layer]!.bytes)
        fixed (byte* pv = _values[layer]!.bytes)
            for (int h = 0; h < kvHeads; h++)
            {
                long at = (h * capacity + start) * headDim;
                new ReadOnlySpan<float>(keys + h * headDim, headDim).CopyTo(new Span<float>((float*)pk + at, headDim));
                new ReadOnlySpan<float>(values + h * headDim, headDim).CopyTo(new Span<float>((float*)pv + at, headDim));
            }
        _lengths[layer] = length = start + 1;
        return (_keys[layer]!, _values[layer]!);
    }

    /// <summary>Keeps only the given batch rows (e.g. drops finished sequences during generation).</summary>
    public void KeepRows(long[] rows)
    {
        using var index = tensor(rows, device: _keys.FirstOrDefault(k => k is not null)?.device ?? CPU);
        for (int l = 0; l < _keys.Length; l++)
        {
            if (_keys[l] is null) continue;
            var k = _keys[l]!.index_select(0, index).DetachFromDisposeScope();
            var v = _values[l]!.index_select(0, index).DetachFromDisposeScope();
            _keys[l]!.Dispose(); _values[l]!.Dispose();
            _keys[l] = k; _values[l] = v;
        }
    }

    /// <summary>Allocates the layer's buffers on first use and doubles them (or more) when n more positions do not fit.</summary>
    void EnsureRoom(int layer, long n, long batch, long heads, long headDim, ScalarType dtype, Device device)
    {
        long start = _lengths[layer];
        if (_keys[layer] is null)
        {
            _capacity = Math.Max(_capacity, n);
            _keys[layer] = Allocate(batch, heads, _capacity, headDim, dtype, device);
            _values[layer] = Allocate(batch, heads, _capacity, headDim, dtype, device);
        }
        if (start + n > _keys[layer]!.shape[2])
        {
            long grown = Math.Max(start + n, 2 * _keys[layer]!.shape[2]);
            _keys[layer] = Grow(_keys[layer]!, grown, start);
            _values[layer] = Grow(_values[layer]!, grown, start);
        }
    }

    static Tensor Allocate(long batch, long heads, long capacity, long headDim, ScalarType dtype, Device device) =>
        empty(new[] { batch, heads, capacity, headDim }, dtype, device).DetachFromDisposeScope();

    static Tensor Grow(Tensor old, long capacity, long used)
    {
        var bigger = Allocate(old.shape[0], old.shape[1], capacity, old.shape[3], old.dtype, old.device);
        using (no_grad())
        using (var dst = bigger.narrow(2, 0, used))
        using (var src = old.narrow(2, 0, used))
            dst.copy_(src);
        old.Dispose();
        return bigger;
    }

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}

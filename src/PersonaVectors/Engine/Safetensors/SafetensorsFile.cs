using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Safetensors;

/// <summary>Where one tensor lives in a safetensors file.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// A read-only, memory-mapped safetensors file. The header is validated in full on open (dtype, shape
/// against byte size, offsets inside the data, no overlaps), so a lying header is reported before any
/// tensor is read. Tensors are copied straight from the mapping into libtorch memory, never through
/// managed arrays, so a multi-gigabyte checkpoint costs no GC heap.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _base;
    readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, long dataStart,
        Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path; _map = map; _view = view; _base = basePtr; _dataStart = dataStart;
        Entries = entries; Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "file not found");
        long length = FileLength.Of(path);
        if (length < 8) throw new ModelFormatException(path, $"truncated: {length} bytes, a safetensors file needs at least an 8-byte header length");

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            basePtr += view.PointerOffset;
            ulong headerLength = *(ulong*)basePtr;
            if (headerLength > (ulong)(length - 8))
                throw new ModelFormatException(path, $"header length {headerLength} is larger than the file ({length} bytes): truncated or not a safetensors file");
            var header = new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength);
            long dataStart = 8 + (long)headerLength;
            var (entries, metadata) = ParseHeader(path, header, length - dataStart);
            return new SafetensorsFile(path, map, view, basePtr, dataStart, entries, metadata);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    static (Dictionary<string, SafetensorsEntry>, Dictionary<string, string>) ParseHeader(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw new ModelFormatException(path, $"header is not valid JSON: {e.Message}"); }

        var entries = new Dictionary<string, SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, "header must be a JSON object of tensor entries");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new ModelFormatException(path, "__metadata__ must be an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new ModelFormatException(path, $"__metadata__.{m.Name} must be a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }
        }

        // Tensors must not share bytes: a header that overlaps them is corrupt or malicious.
        var sorted = entries.Values.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new ModelFormatException(path, $"tensors '{sorted[i - 1].Name}' [{sorted[i - 1].Begin}, {sorted[i - 1].End}) and '{sorted[i].Name}' [{sorted[i].Begin}, {sorted[i].End}) overlap");
        return (entries, metadata);
    }

    static SafetensorsEntry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, $"{where}: entry must be an object with dtype, shape, data_offsets");
        if (!e.TryGetProperty("dtype", out var dt)) throw new ModelFormatException(path, $"{where}: missing string field 'dtype'");
        if (dt.ValueKind != JsonValueKind.String) throw new ModelFormatException(path, $"{where}: 'dtype' is {JsonFields.Describe(dt)}; expected a string");
        string dtype = dt.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out _, out int elementSize))
            throw new ModelFormatException(path, $"{where}: unknown dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.Supported)})");
        if (!e.TryGetProperty("shape", out var sh)) throw new ModelFormatException(path, $"{where}: missing array field 'shape'");
        if (sh.ValueKind != JsonValueKind.Array) throw new ModelFormatException(path, $"{where}: 'shape' is {JsonFields.Describe(sh)}; expected an array");
        var shape = new long[sh.GetArrayLength()];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0)
                throw new ModelFormatException(path, $"{where}: shape entries must be non-negative integers");
            shape[k++] = v;
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2
            || !off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end))
            throw new ModelFormatException(path, $"{where}: 'data_offsets' must be [begin, end]");
        if (begin < 0 || end < begin)
            throw new ModelFormatException(path, $"{where}: data_offsets [{begin}, {end}] are not an increasing pair");
        if (end > dataLength)
            throw new ModelFormatException(path, $"{where}: data_offsets end {end} is past the end of the data ({dataLength} bytes): file truncated or header wrong");
        long expected = shape.Aggregate(1L, (a, b) => a * b) * elementSize;
        if (end - begin != expected)
            throw new ModelFormatException(path, $"{where}: {end - begin} bytes for dtype {dtype} and shape [{string.Join(", ", shape)}], expected {expected}");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    public bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>Reads a tensor as stored; convert with <c>.to(dtype)</c> afterwards if needed.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
            throw new ModelFormatException(Path, $"tensor '{name}' not found");
        SafetensorsDType.TryParse(entry.DType, out var type, out _);
        var tensor = torch.empty(entry.Shape, type);
        byte* src = _base + _dataStart + entry.Begin;
        long total = entry.End - entry.Begin;
        if (total <= int.MaxValue)
        {
            new ReadOnlySpan<byte>(src, (int)total).CopyTo(tensor.bytes);
            return tensor;
        }
        // Spans stop at 2 GiB: copy embeddings of very large vocabularies row block by row block.
        long rows = entry.Shape[0], rowBytes = total / rows, perChunk = Math.Max(1, int.MaxValue / rowBytes);
        for (long r = 0; r < rows; r += perChunk)
        {
            long n = Math.Min(perChunk, rows - r);
            using var part = tensor.narrow(0, r, n);
            new ReadOnlySpan<byte>(src + r * rowBytes, (int)(n * rowBytes)).CopyTo(part.bytes);
        }
        return tensor;
    }

    /// <summary>Rows [<paramref name="start"/>, + <paramref name="count"/>) of a tensor, as stored (for loaders that
    /// convert a block at a time).</summary>
    public Tensor ReadRows(string name, long start, long count)
    {
        if (!Entries.TryGetValue(name, out var entry))
            throw new ModelFormatException(Path, $"tensor '{name}' not found");
        if (entry.Shape.Length == 0 || start < 0 || count < 0 || start + count > entry.Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"rows {start}..{start + count} of '{name}' [{string.Join(", ", entry.Shape)}]");
        SafetensorsDType.TryParse(entry.DType, out var type, out _);
        var shape = entry.Shape.ToArray();
        shape[0] = count;
        var tensor = torch.empty(shape, type);
        long rowBytes = entry.Shape[0] == 0 ? 0 : (entry.End - entry.Begin) / entry.Shape[0];
        new ReadOnlySpan<byte>(_base + _dataStart + entry.Begin + start * rowBytes, checked((int)(count * rowBytes))).CopyTo(tensor.bytes);
        return tensor;
    }

    /// <summary>Hands a tensor's file pages back once it has been read (see <see cref="MappedPages"/>).</summary>
    public void Release(string name)
    {
        if (Entries.TryGetValue(name, out var entry)) MappedPages.Release(_base + _dataStart + entry.Begin, entry.End - entry.Begin);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}

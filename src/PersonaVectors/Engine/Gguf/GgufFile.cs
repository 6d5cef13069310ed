using System.IO.MemoryMappedFiles;
using System.Text;

namespace PersonaVectors.Engine.Gguf;

/// <summary>One tensor's entry in a GGUF file: its name, its dimensions innermost first (GGUF's ne), its GGML type and where its data starts.</summary>
public sealed record GgufTensorInfo(string Name, long[] Ne, GgmlType Type, long Offset)
{
    /// <summary>Dimensions in row-major (PyTorch) order: ne reversed.</summary>
    public long[] Shape => [.. Ne.Reverse()];

    public long Elements => Ne.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A GGUF file (v2 or v3), read through a memory map: the metadata as typed values (strings, numbers, booleans and
/// arrays, nested arrays included), the tensor table, and each tensor's raw bytes. Every length and offset is checked
/// against the file, so a truncated or lying file gives one error naming the file and what is wrong, never a crash.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian

    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    byte* _base;

    public string Path { get; }
    public uint Version { get; }
    /// <summary>Metadata in file order. Values are string, bool, the integer and float types as their CLR types, or object[] for arrays.</summary>
    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long DataStart { get; }
    public long Length { get; }

    /// <summary>True when the file starts with GGUF's magic bytes.</summary>
    public static bool IsGguf(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            Span<byte> head = stackalloc byte[4];
            return fs.Read(head) == 4 && BitConverter.ToUInt32(head) == Magic;
        }
        catch (IOException) { return false; }
    }

    public static GgufFile Open(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "no such file");
        return new GgufFile(path);
    }

    GgufFile(string path)
    {
        Path = path;
        Length = FileLength.Of(path);
        if (Length < 24) throw Bad($"{Length} bytes is too short for a GGUF header (truncated?)");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
        _base += _view.PointerOffset;
        try
        {
            var r = new Cursor(this);
            if (r.U32() != Magic) throw Bad("not a GGUF file (the first four bytes are not \"GGUF\")");
            Version = r.U32();
            if (Version is not (2 or 3)) throw Bad($"GGUF version {Version} is not supported (expected 2 or 3)");
            long tensorCount = r.Count("tensor count"), kvCount = r.Count("metadata count");
            var meta = new Dictionary<string, object>(StringComparer.Ordinal);
            for (long i = 0; i < kvCount; i++)
            {
                string key = r.String();
                meta[key] = r.Value((GgufValueType)r.U32(), key, depth: 0);
            }
            Metadata = meta;
            var tensors = new List<GgufTensorInfo>();
            for (long i = 0; i < tensorCount; i++)
            {
                string name = r.String();
                uint dims = r.U32();
                if (dims is 0 or > 4) throw Bad($"tensor '{name}' has {dims} dimensions (GGUF allows 1 to 4)");
                var ne = new long[dims];
                for (int d = 0; d < dims; d++)
                {
                    ulong n = r.U64();
                    if (n == 0 || n > int.MaxValue) throw Bad($"tensor '{name}' has dimension {d} of size {n}");
                    ne[d] = (long)n;
                }
                var type = (GgmlType)r.U32();
                ulong offset = r.U64();
                if (offset > (ulong)Length) throw Bad($"tensor '{name}' has offset {offset}, past the end of the file");
                tensors.Add(new GgufTensorInfo(name, ne, type, (long)offset));
            }
            long alignment = 32;
            if (meta.TryGetValue("general.alignment", out var a))
            {
                alignment = Convert.ToInt64(a, System.Globalization.CultureInfo.InvariantCulture);
                if (alignment <= 0 || (alignment & (alignment - 1)) != 0) throw Bad($"general.alignment {alignment} is not a power of two");
            }
            DataStart = (r.Position + alignment - 1) / alignment * alignment;
            foreach (var t in tensors)
            {
                if (!GgmlTypes.IsKnown(t.Type)) continue; // reported when the tensor is read, so a file with one odd tensor still opens
                long bytes = GgmlTypes.ByteSize(t.Type, t.Ne[0], t.Elements, name: t.Name, file: path);
                if (t.Offset % alignment != 0) throw Bad($"tensor '{t.Name}' has offset {t.Offset}, not a multiple of the alignment {alignment}");
                if (DataStart + t.Offset + bytes > Length)
                    throw Bad($"tensor '{t.Name}' needs bytes {DataStart + t.Offset}..{DataStart + t.Offset + bytes} but the file has {Length} (truncated, or a wrong offset)");
            }
            Tensors = tensors;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GgufTensorInfo? Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// Rows [first, first + count) of a tensor's stored bytes, straight from the memory map (a row is ne[0]
    /// elements). Valid while the file is open.
    /// </summary>
    public ReadOnlySpan<byte> RowBytes(GgufTensorInfo t, long first, long count)
    {
        long rowBytes = RowSize(t);
        long start = DataStart + t.Offset + first * rowBytes, length = count * rowBytes;
        if (first < 0 || count < 0 || first + count > t.Elements / t.Ne[0] || length > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(count), $"rows {first}..{first + count} of '{t.Name}'");
        return new ReadOnlySpan<byte>(_base + start, (int)length);
    }

    /// <summary>Bytes of one row (ne[0] elements) of a tensor.</summary>
    public long RowSize(GgufTensorInfo t) => GgmlTypes.ByteSize(t.Type, t.Ne[0], t.Ne[0], t.Name, Path);

    /// <summary>
    /// Tells the kernel the rows' pages are no longer needed, so a load that reads each tensor once does not keep the
    /// whole file resident on top of the weights it built (Linux; elsewhere the pages are left to the OS).
    /// </summary>
    public void Release(GgufTensorInfo t)
    {
        MappedPages.Release(_base + DataStart + t.Offset, GgmlTypes.ByteSize(t.Type, t.Ne[0], t.Elements, t.Name, Path));
    }

    /// <summary>An F32 tensor's values.</summary>
    public float[] F32(GgufTensorInfo t)
    {
        if (t.Type != GgmlType.F32) throw Bad($"tensor '{t.Name}' is {t.Type}, expected F32");
        var values = new float[t.Elements];
        _view.ReadArray(DataStart + t.Offset, values, 0, values.Length);
        return values;
    }

    public string? String(string key) => Metadata.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>An integer metadata value of any integer type (writers differ: i32, u32, u64...).</summary>
    public long? Integer(string key) => Metadata.TryGetValue(key, out var v) && v is byte or sbyte or short or ushort or int or uint or long or ulong
        ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    ModelFormatException Bad(string message) => new(Path, message);

    public void Dispose()
    {
        if (_base != null) { _view.SafeMemoryMappedViewHandle.ReleasePointer(); _base = null; }
        _view?.Dispose();
        _map?.Dispose();
    }

    enum GgufValueType : uint { U8, I8, U16, I16, U32, I32, F32, Bool, String, Array, U64, I64, F64 }

    /// <summary>Reads the header sequentially, refusing any read past the end of the file.</summary>
    sealed class Cursor(GgufFile f)
    {
        public long Position { get; private set; }

        void Need(long n, string what)
        {
            if (n < 0 || Position + n > f.Length) throw f.Bad($"the file ends inside the header while reading {what} at byte {Position} (truncated?)");
        }

        T Read<T>(int size, string what) where T : struct
        {
            Need(size, what);
            f._view.Read(Position, out T v);
            Position += size;
            return v;
        }

        public uint U32() => Read<uint>(4, "a 32-bit integer");
        public ulong U64() => Read<ulong>(8, "a 64-bit integer");

        public long Count(string what)
        {
            ulong n = U64();
            // Each entry takes at least 8 bytes, so a count above the file's size is a lie, not a big file.
            if (n > (ulong)f.Length) throw f.Bad($"{what} {n} is impossible for a file of {f.Length} bytes");
            return (long)n;
        }

        public string String()
        {
            ulong n = U64();
            if (n > (ulong)(f.Length - Position)) throw f.Bad($"a string of {n} bytes at byte {Position} runs past the end of the file (truncated?)");
            var bytes = new byte[n];
            f._view.ReadArray(Position, bytes, 0, bytes.Length);
            Position += (long)n;
            return Encoding.UTF8.GetString(bytes);
        }

        public object Value(GgufValueType type, string key, int depth) => type switch
        {
            GgufValueType.U8 => Read<byte>(1, key),
            GgufValueType.I8 => Read<sbyte>(1, key),
            GgufValueType.U16 => Read<ushort>(2, key),
            GgufValueType.I16 => Read<short>(2, key),
            GgufValueType.U32 => Read<uint>(4, key),
            GgufValueType.I32 => Read<int>(4, key),
            GgufValueType.F32 => Read<float>(4, key),
            GgufValueType.Bool => Read<byte>(1, key) != 0,
            GgufValueType.String => String(),
            GgufValueType.U64 => Read<ulong>(8, key),
            GgufValueType.I64 => Read<long>(8, key),
            GgufValueType.F64 => Read<double>(8, key),
            GgufValueType.Array => Array(key, depth),
            _ => throw f.Bad($"metadata '{key}' has value type {(uint)type}, which GGUF does not define"),
        };

        object[] Array(string key, int depth)
        {
            if (depth > 8) throw f.Bad($"metadata '{key}' nests arrays more than 8 deep");
            var itemType = (GgufValueType)U32();
            long n = Count($"metadata '{key}' array length");
            var items = new object[n];
            for (long i = 0; i < n; i++) items[i] = Value(itemType, key, depth + 1);
            return items;
        }
    }
}

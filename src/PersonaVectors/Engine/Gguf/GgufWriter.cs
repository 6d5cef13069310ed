using System.Text;

namespace PersonaVectors.Engine.Gguf;

/// <summary>
/// A minimal GGUF v3 writer: typed key-value metadata, then tensor infos, then 32-byte-aligned data.
/// Dimensions are written innermost first (GGUF's ne[0]), so a row-major [out, in] matrix has ne = [in, out].
/// </summary>
public sealed class GgufWriter
{
    const uint Magic = 0x46554747; // "GGUF"
    const int Alignment = 32;

    enum ValueType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

    readonly List<(string Key, Action<BinaryWriter> Write)> _kv = [];
    readonly List<(string Name, long[] RowMajorShape, GgmlType Type, byte[] Data)> _tensors = [];

    /// <summary>Drops an earlier value of <paramref name="key"/>, so the next Add sets it anew.</summary>
    public GgufWriter Remove(string key)
    {
        _kv.RemoveAll(kv => kv.Key == key);
        return this;
    }

    public void Replace(string key, string value) { Remove(key); Add(key, value); }
    public void Replace(string key, IReadOnlyList<string> values) { Remove(key); Add(key, values); }
    public void Replace(string key, IReadOnlyList<int> values) { Remove(key); Add(key, values); }

    public void Add(string key, string value) => _kv.Add((key, w => { w.Write((uint)ValueType.String); WriteString(w, value); }));
    public void Add(string key, uint value) => _kv.Add((key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); }));
    public void Add(string key, int value) => _kv.Add((key, w => { w.Write((uint)ValueType.Int32); w.Write(value); }));
    public void Add(string key, float value) => _kv.Add((key, w => { w.Write((uint)ValueType.Float32); w.Write(value); }));
    public void Add(string key, bool value) => _kv.Add((key, w => { w.Write((uint)ValueType.Bool); w.Write(value); }));

    public void Add(string key, IReadOnlyList<string> values) => _kv.Add((key, w =>
    {
        w.Write((uint)ValueType.Array); w.Write((uint)ValueType.String); w.Write((ulong)values.Count);
        foreach (var v in values) WriteString(w, v);
    }
    ));

    public void Add(string key, IReadOnlyList<float> values) => _kv.Add((key, w =>
    {
        w.Write((uint)ValueType.Array); w.Write((uint)ValueType.Float32); w.Write((ulong)values.Count);
        foreach (var v in values) w.Write(v);
    }
    ));

    public void Add(string key, IReadOnlyList<int> values) => _kv.Add((key, w =>
    {
        w.Write((uint)ValueType.Array); w.Write((uint)ValueType.Int32); w.Write((ulong)values.Count);
        foreach (var v in values) w.Write(v);
    }
    ));

    /// <summary>Adds a tensor given in row-major (PyTorch) shape with its raw little-endian bytes.</summary>
    public void AddTensor(string name, long[] rowMajorShape, GgmlType type, byte[] data)
    {
        long elements = rowMajorShape.Aggregate(1L, (a, b) => a * b);
        long expected = GgmlTypes.ByteSize(type, rowMajorShape[^1], elements, name, "(being written)");
        if (data.Length != expected) throw new ArgumentException($"tensor {name}: {data.Length} bytes for {elements} elements of {type}");
        _tensors.Add((name, rowMajorShape, type, data));
    }

    public void Write(string path)
    {
        string tmp = AtomicFile.TempFor(path);
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var w = new BinaryWriter(fs, Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(3u);
            w.Write((ulong)_tensors.Count);
            w.Write((ulong)_kv.Count);
            foreach (var (key, write) in _kv) { WriteString(w, key); write(w); }

            long offset = 0;
            foreach (var t in _tensors)
            {
                WriteString(w, t.Name);
                w.Write((uint)t.RowMajorShape.Length);
                foreach (long d in t.RowMajorShape.Reverse()) w.Write((ulong)d);
                w.Write((uint)t.Type);
                w.Write((ulong)offset);
                offset = Align(offset + t.Data.Length);
            }
            Pad(w);
            long dataStart = fs.Position;
            foreach (var t in _tensors)
            {
                w.Write(t.Data);
                Pad(w, dataStart);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    static long Align(long x) => (x + Alignment - 1) / Alignment * Alignment;

    static void Pad(BinaryWriter w, long origin = 0)
    {
        long pos = w.BaseStream.Position - origin;
        for (long i = pos; i < Align(pos); i++) w.Write((byte)0);
    }

    static void WriteString(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length);
        w.Write(b);
    }
}

using System.Text;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// Builds GGUF v3 bytes by hand from the documented layout (header, typed key-values, tensor infos with ne
/// innermost first, 32-byte aligned data), independently of the project's writer. Tests use it to write files as
/// other tools lay them out, and to write broken ones.
/// </summary>
public sealed class RawGguf
{
    readonly List<byte[]> _kv = [];
    readonly List<(string Name, ulong[] Ne, uint Type, byte[] Data)> _tensors = [];

    public RawGguf Str(string key, string value) => Kv(key, 8, w => WriteString(w, value));
    public RawGguf I32(string key, int value) => Kv(key, 5, w => w.Write(value));
    public RawGguf U32(string key, uint value) => Kv(key, 4, w => w.Write(value));
    public RawGguf U64(string key, ulong value) => Kv(key, 10, w => w.Write(value));
    public RawGguf F64(string key, double value) => Kv(key, 12, w => w.Write(value));
    public RawGguf Bool(string key, bool value) => Kv(key, 7, w => w.Write((byte)(value ? 1 : 0)));

    /// <summary>An array of arrays of u16, the kind of metadata a reader must skip correctly.</summary>
    public RawGguf NestedU16(string key, ushort[][] rows) => Kv(key, 9, w =>
    {
        w.Write(9u); w.Write((ulong)rows.Length);
        foreach (var row in rows) { w.Write(2u); w.Write((ulong)row.Length); foreach (var x in row) w.Write(x); }
    });

    public RawGguf F32Tensor(string name, float[] values, params ulong[] ne)
    {
        var data = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        return Tensor(name, 0, data, ne.Length == 0 ? [(ulong)values.Length] : ne);
    }

    /// <summary>A tensor of any GGML type number with raw data.</summary>
    public RawGguf Tensor(string name, uint type, byte[] data, params ulong[] ne)
    {
        _tensors.Add((name, ne, type, data));
        return this;
    }

    RawGguf Kv(string key, uint type, Action<BinaryWriter> value)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) { WriteString(w, key); w.Write(type); value(w); }
        _kv.Add(ms.ToArray());
        return this;
    }

    /// <param name="offsetLie">Added to the last tensor's recorded offset.</param>
    public byte[] Bytes(long offsetLie = 0)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(Encoding.ASCII.GetBytes("GGUF")); w.Write(3u); w.Write((ulong)_tensors.Count); w.Write((ulong)_kv.Count);
        foreach (var kv in _kv) w.Write(kv);
        ulong offset = 0;
        for (int i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            WriteString(w, t.Name); w.Write((uint)t.Ne.Length);
            foreach (var n in t.Ne) w.Write(n);
            w.Write(t.Type);
            w.Write(i == _tensors.Count - 1 ? offset + (ulong)offsetLie : offset);
            offset = (offset + (ulong)t.Data.Length + 31) / 32 * 32;
        }
        Pad(w);
        long start = ms.Position;
        foreach (var t in _tensors)
        {
            w.Write(t.Data);
            while ((ms.Position - start) % 32 != 0) w.Write((byte)0);
        }
        w.Flush();
        return ms.ToArray();
    }

    public string Save(string path, long offsetLie = 0)
    {
        File.WriteAllBytes(path, Bytes(offsetLie));
        return path;
    }

    static void Pad(BinaryWriter w) { while (w.BaseStream.Position % 32 != 0) w.Write((byte)0); }

    static void WriteString(BinaryWriter w, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length); w.Write(b);
    }
}

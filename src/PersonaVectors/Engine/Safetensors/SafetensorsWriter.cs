using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Safetensors;

/// <summary>Writes tensors in the safetensors format (header padded to 8 bytes, as the reference writer does).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var contiguous = new List<Tensor>();
        try
        {
            foreach (var (name, t) in tensors)
            {
                var c = t.detach().cpu().contiguous();
                contiguous.Add(c);
                long bytes = c.numel() * c.element_size();
                header[name] = new Dictionary<string, object>
                {
                    ["dtype"] = SafetensorsDType.NameOf(c.dtype),
                    ["shape"] = c.shape,
                    ["data_offsets"] = new[] { offset, offset + bytes },
                };
                offset += bytes;
            }
            byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
            int padded = (json.Length + 7) / 8 * 8;

            // Write to a temporary file and rename, so a crash never leaves a half-written checkpoint.
            string tmp = AtomicFile.TempFor(path);
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                fs.Write(BitConverter.GetBytes((ulong)padded));
                fs.Write(json);
                for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
                foreach (var c in contiguous) WriteBytes(fs, c);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            foreach (var c in contiguous) c.Dispose();
        }
    }

    static void WriteBytes(Stream s, Tensor t)
    {
        long total = t.numel() * t.element_size();
        if (total <= int.MaxValue) { s.Write(t.bytes); return; }
        long rows = t.shape[0], perChunk = Math.Max(1, int.MaxValue / (total / rows));
        for (long r = 0; r < rows; r += perChunk)
        {
            using var part = t.narrow(0, r, Math.Min(perChunk, rows - r));
            s.Write(part.bytes);
        }
    }
}

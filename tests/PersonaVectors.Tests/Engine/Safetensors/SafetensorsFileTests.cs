using System.Text;
using PersonaVectors.Engine.Safetensors;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Safetensors;

public class SafetensorsFileTests
{
    /// <summary>Writes a file from a raw header and data, to test what a lying header does.</summary>
    static string Raw(TempDir dir, string header, int dataBytes, long? declaredHeaderLength = null)
    {
        string path = dir["raw.safetensors"];
        byte[] h = Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)(declaredHeaderLength ?? h.Length)));
        fs.Write(h);
        fs.Write(new byte[dataBytes]);
        return path;
    }

    [Fact]
    public void Round_trip_keeps_values_dtypes_shapes_and_metadata()
    {
        using var dir = new TempDir();
        using var a = arange(0, 12, ScalarType.Float32).reshape(3, 4);
        using var b = tensor(new float[] { 1.5f, -2.25f }).to(ScalarType.BFloat16);
        using var c = tensor(new long[] { 7, 8, 9 });
        SafetensorsWriter.Write(dir["t.safetensors"], [("a", a), ("b", b), ("c", c)], new Dictionary<string, string> { ["trait"] = "evil" });

        using var f = SafetensorsFile.Open(dir["t.safetensors"]);
        Assert.Equal("evil", f.Metadata["trait"]);
        Assert.Equal(["a", "b", "c"], f.Entries.Keys.Order());
        Assert.Equal("BF16", f.Entries["b"].DType);
        using var ra = f.Read("a");
        Assert.Equal(new long[] { 3, 4 }, ra.shape);
        Assert.Equal(a.data<float>().ToArray(), ra.data<float>().ToArray());
        using var rb = f.Read("b").to(ScalarType.Float32);
        Assert.Equal(new[] { 1.5f, -2.25f }, rb.data<float>().ToArray());
        using var rc = f.Read("c");
        Assert.Equal(new long[] { 7, 8, 9 }, rc.data<long>().ToArray());
    }

    [Fact]
    public void Header_is_padded_to_eight_bytes_as_the_reference_writer_does()
    {
        using var dir = new TempDir();
        using var a = ones(3);
        SafetensorsWriter.Write(dir["t.safetensors"], [("x", a)]);
        ulong n = BitConverter.ToUInt64(File.ReadAllBytes(dir["t.safetensors"]), 0);
        Assert.Equal(0UL, n % 8);
        Assert.Equal(8 + (long)n + 12, new FileInfo(dir["t.safetensors"]).Length);
    }

    [Theory]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "past the end")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap")]
    [InlineData("{\"x\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'Q4'")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "expected 12")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "not an increasing pair")]
    [InlineData("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "missing string field 'dtype'")]
    [InlineData("{\"x\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'dtype' is the number 32; expected a string")]
    [InlineData("{\"x\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "'shape' is the string \"2\"; expected an array")]
    [InlineData("{not json", 8, "not valid JSON")]
    public void A_lying_header_is_refused_with_the_reason(string header, int dataBytes, string expected)
    {
        using var dir = new TempDir();
        string path = Raw(dir, header, dataBytes);
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_header_length_larger_than_the_file_is_refused()
    {
        using var dir = new TempDir();
        string path = Raw(dir, "{}", 0, declaredHeaderLength: 1_000_000);
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("larger than the file", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["t.safetensors"], [1, 2, 3]);
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(dir["t.safetensors"]));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_file_cut_short_after_writing_is_refused_before_any_read()
    {
        using var dir = new TempDir();
        using var a = ones(100);
        SafetensorsWriter.Write(dir["t.safetensors"], [("x", a)]);
        byte[] all = File.ReadAllBytes(dir["t.safetensors"]);
        File.WriteAllBytes(dir["t.safetensors"], all[..^40]);
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(dir["t.safetensors"]));
        Assert.Contains("past the end", e.Message);
    }
}

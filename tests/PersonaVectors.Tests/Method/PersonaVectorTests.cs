using System.Text;
using System.Text.Json;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method;

public class PersonaVectorTests
{
    [Fact]
    public void File_round_trips_and_is_plain_safetensors_with_string_metadata()
    {
        using var dir = new TempDir();
        using var data = randn(4, 64);
        using (var v = new PersonaVector(data, "evil", "tiny-qwen", "response_avg")) v.Save(dir["evil.safetensors"]);

        // Read the bytes by hand, as any safetensors reader would.
        byte[] bytes = File.ReadAllBytes(dir["evil.safetensors"]);
        int n = (int)BitConverter.ToUInt64(bytes, 0);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n));
        var t = header.RootElement.GetProperty("vectors");
        Assert.Equal("F32", t.GetProperty("dtype").GetString());
        Assert.Equal([4, 64], t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var meta = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("evil", meta.GetProperty("trait").GetString());
        Assert.Equal("tiny-qwen", meta.GetProperty("model").GetString());
        Assert.Equal("response_avg", meta.GetProperty("kind").GetString());
        Assert.Equal("64", meta.GetProperty("hidden_size").GetString());
        Assert.Equal("3", meta.GetProperty("num_layers").GetString());
        Assert.Equal(data.data<float>().ToArray()[..64], MemoryMarshalFloats(bytes, 8 + n, 64));

        using var back = PersonaVector.Load(dir["evil.safetensors"]);
        Assert.True(back.Vectors.equal(data).all().item<bool>());
        Assert.Equal(3, back.NumLayers);
    }

    static float[] MemoryMarshalFloats(byte[] b, int offset, int count) =>
        Enumerable.Range(0, count).Select(i => BitConverter.ToSingle(b, offset + 4 * i)).ToArray();

    [Fact]
    public void A_vector_for_another_model_is_refused_with_both_sizes()
    {
        using var v = new PersonaVector(zeros(5, 32), "evil", "other", "response_avg");
        var config = TinyConfigs.Parse(TinyConfigs.Qwen2Json());
        var e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => v.EnsureFits(config, "evil.safetensors"));
        Assert.Contains("hidden size 32", e.Message);
        Assert.Contains("hidden size 64", e.Message);
    }

    [Fact]
    public void A_file_without_the_vectors_tensor_is_refused()
    {
        using var dir = new TempDir();
        using var x = zeros(2, 2);
        PersonaVectors.Engine.Safetensors.SafetensorsWriter.Write(dir["x.safetensors"], [("weights", x)]);
        var e = Assert.Throws<PersonaVectors.ModelFormatException>(() => PersonaVector.Load(dir["x.safetensors"]));
        Assert.Contains("no tensor named 'vectors'", e.Message);
    }
}

using System.Text.Json;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

/// <summary>persona vectors export-gguf / import-gguf, and control-vector files wherever a vector file is taken.</summary>
public class VectorsCommandTests
{
    [Fact]
    public void Export_import_and_steer_with_a_control_vector()
    {
        using var m = new RandomModelFolder(seed: 8);
        int layers = m.Config.NumHiddenLayers;
        using (var v = new PersonaVector(randn(layers + 1, m.Config.HiddenSize) * 3, "test", m.Path, "response_avg")) v.Save(m["v.safetensors"]);

        var export = PersonaCli.Run("vectors", "export-gguf", "--vector", m["v.safetensors"], "--layers", "2", "--scale", "2", "--out", m["v.gguf"]);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("direction.1", export.Stdout);
        using (var f = GgufFile.Open(m["v.gguf"]))
        {
            Assert.Equal("qwen2", f.String("controlvector.model_hint")); // from the vector's model folder
            Assert.Equal(["direction.1"], f.Tensors.Select(t => t.Name));
        }

        // The control vector steers as the vector at layer 2 with α doubled; its one layer needs no --layer.
        var viaSafetensors = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "8", "--json",
            "--steer", m["v.safetensors"], "--layer", "2", "--alpha", "4"));
        var viaGguf = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "8", "--json",
            "--steer", m["v.gguf"], "--alpha", "2"));
        var plain = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "8", "--json"));
        Assert.Equal(viaSafetensors.GetProperty("tokens").ToString(), viaGguf.GetProperty("tokens").ToString());
        Assert.NotEqual(plain.GetProperty("tokens").ToString(), viaGguf.GetProperty("tokens").ToString());

        var import = PersonaCli.Run("vectors", "import-gguf", "--vector", m["v.gguf"], "--model", m.Path, "--trait", "renamed", "--out", m["back.safetensors"]);
        Assert.True(import.ExitCode == 0, import.Stderr);
        using var back = PersonaVector.Load(m["back.safetensors"]);
        using var original = PersonaVector.Load(m["v.safetensors"]);
        Assert.Equal("renamed", back.Trait);
        Assert.Equal([2], back.ControlRows!);
        using var expected = original.At(2) * 2;
        using var got = back.At(2);
        Assert.True(got.allclose(expected));
    }

    [Fact]
    public void Bad_control_vectors_get_one_line_exit_2_and_nothing_written()
    {
        using var m = new RandomModelFolder(seed: 8);
        using (var v = new PersonaVector(randn(m.Config.NumHiddenLayers + 1, m.Config.HiddenSize), "test", m.Path, "response_avg")) v.Save(m["v.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "export-gguf", "--vector", m["v.safetensors"], "--layers", "1-3", "--out", m["x.gguf"]),
            "layer 1 cannot be exported", "llama.cpp");
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "export-gguf", "--vector", m["v.safetensors"], "--layers", "two", "--out", m["x.gguf"]), "--layers 'two'");
        Assert.False(File.Exists(m["x.gguf"]));

        new RawGguf().Str("general.architecture", "controlvector").F32Tensor("direction.0", new float[64]).Save(m["zero.gguf"]);
        new RawGguf().Str("general.architecture", "controlvector").F32Tensor("direction.1", new float[32]).Save(m["small.gguf"]);
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "import-gguf", "--vector", m["zero.gguf"], "--out", m["y.safetensors"]), m["zero.gguf"], "direction.0");
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "import-gguf", "--vector", m["small.gguf"], "--model", m.Path, "--out", m["y.safetensors"]),
            m["small.gguf"], "hidden size is 64");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["small.gguf"], "--alpha", "1"), "hidden size 32");
        Assert.False(File.Exists(m["y.safetensors"]));
    }
}

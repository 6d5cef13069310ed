using System.Text.Json;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Cli;

public class GenerateCommandTests
{
    [Fact]
    public void Generate_json_renders_the_prompt_and_steering_changes_the_answer()
    {
        using var m = new RandomModelFolder(seed: 8);
        using (var v = new PersonaVector(randn(m.Config.NumHiddenLayers + 1, m.Config.HiddenSize) * 3, "test", "tiny", "response_avg"))
            v.Save(m["v.safetensors"]);

        var plain = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--system", "Be kind.", "--max-tokens", "8", "--json"));
        Assert.Equal("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", plain.GetProperty("prompt").GetString());
        Assert.Equal(8, plain.GetProperty("tokens").GetArrayLength());

        var zero = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--system", "Be kind.", "--max-tokens", "8", "--json",
            "--steer", m["v.safetensors"], "--layer", "1", "--alpha", "0"));
        Assert.Equal(plain.GetProperty("tokens").ToString(), zero.GetProperty("tokens").ToString());

        var steered = PersonaCli.Json(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--system", "Be kind.", "--max-tokens", "8", "--json",
            "--steer", m["v.safetensors"], "--layer", "1", "--alpha", "8"));
        Assert.NotEqual(plain.GetProperty("tokens").ToString(), steered.GetProperty("tokens").ToString());
        Assert.Contains("layer 1", steered.GetProperty("steering").GetString());
    }

    [Fact]
    public void Bad_steering_requests_get_one_clear_error()
    {
        using var m = new RandomModelFolder();
        using (var v = new PersonaVector(zeros(5, 32), "test", "other", "response_avg")) v.Save(m["wrong.safetensors"]);
        using (var v = new PersonaVector(ones(m.Config.NumHiddenLayers + 1, m.Config.HiddenSize), "test", "tiny", "response_avg")) v.Save(m["v.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["wrong.safetensors"], "--layer", "1", "--alpha", "1"),
            "hidden size 32", "hidden size 64");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["v.safetensors"], "--layer", "9", "--alpha", "1"),
            "layer 9 is out of range");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["v.safetensors"], "--layer", "1", "--alpha", "NaN"),
            "finite");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["v.safetensors"]), "--steer needs --alpha");
        // Without --layer the layer comes from the extraction run that holds the vector; a loose vector has none.
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hi", "--steer", m["v.safetensors"], "--alpha", "1"), "--layer is needed");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", ""), "empty");
    }

    [Fact]
    public async Task Generate_when_above_steers_only_if_the_monitor_flags_the_prompt()
    {
        using var m = new RandomModelFolder(seed: 8);
        string run = m["run"];
        using (var lm = PersonaVectors.Engine.LanguageModel.Load(m.Path)) await TestExtraction.Run(lm, run);
        string vector = PersonaVectors.Method.Extraction.ExtractionRun.VectorPath(run);
        string[] ask = ["generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "8", "--json"];
        var plain = PersonaCli.Json(PersonaCli.Run(ask));
        var always = PersonaCli.Json(PersonaCli.Run([.. ask, "--steer", vector, "--alpha", "-8"]));
        var gated = PersonaCli.Json(PersonaCli.Run([.. ask, "--steer", vector, "--alpha", "-8", "--when", "above"]));
        var gate = gated.GetProperty("gate");
        bool fired = gate.GetProperty("fired").GetBoolean();
        Assert.Equal("above", gate.GetProperty("when").GetString());
        Assert.Equal((fired ? always : plain).GetProperty("tokens").ToString(), gated.GetProperty("tokens").ToString());
        var perToken = PersonaCli.Json(PersonaCli.Run([.. ask, "--steer", vector, "--alpha", "-8", "--when", "per-token"]));
        Assert.InRange(perToken.GetProperty("gate").GetProperty("steered_tokens").GetInt32(), 0, 8);

        PersonaCli.AssertUserError(PersonaCli.Run([.. ask, "--steer", vector, "--alpha", "-8", "--when", "sometimes"]), "--when 'sometimes'");
        using (var v = PersonaVector.Load(vector)) v.Save(m["loose.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run([.. ask, "--steer", m["loose.safetensors"], "--alpha", "-8", "--when", "above"]), "calibrated threshold");
    }

    [Fact]
    public void Composed_vectors_steer_as_their_combination_does()
    {
        using var m = new RandomModelFolder(seed: 8);
        int rows = m.Config.NumHiddenLayers + 1, hidden = m.Config.HiddenSize;
        using (var v = new PersonaVector(randn(rows, hidden, generator: new TorchSharp.torch.Generator(1)) * 3, "a", "tiny", "response_avg")) v.Save(m["a.safetensors"]);
        using (var v = new PersonaVector(randn(rows, hidden, generator: new TorchSharp.torch.Generator(2)) * 3, "b", "tiny", "response_avg")) v.Save(m["b.safetensors"]);
        var combine = PersonaCli.Run("vectors", "combine", $"2*'{m["a.safetensors"]}' - '{m["b.safetensors"]}'", "--out", m["c.safetensors"]);
        Assert.True(combine.ExitCode == 0, combine.Stderr);
        // An overflow is refused before the file is written over; a file holding one is refused with its name.
        byte[] written = File.ReadAllBytes(m["c.safetensors"]);
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "combine", $"1e999*'{m["a.safetensors"]}'", "--out", m["c.safetensors"]), "c.safetensors: the vector has NaN or infinite values at layer 0", "nothing written");
        Assert.Equal(written, File.ReadAllBytes(m["c.safetensors"]));
        using (var bad = PersonaVector.Load(m["a.safetensors"]))
        {
            bad.Vectors[2, 5] = float.NaN;
            PersonaVectors.Engine.Safetensors.SafetensorsWriter.Write(m["nan.safetensors"], [(PersonaVector.TensorName, bad.Vectors)], bad.Metadata);
        }
        PersonaCli.AssertUserError(PersonaCli.Run("vectors", "cosine", m["nan.safetensors"], m["a.safetensors"]), "nan.safetensors", "NaN or infinite values at layer 2");

        string[] ask = ["generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "8", "--layer", "1", "--json"];
        var composed = PersonaCli.Json(PersonaCli.Run([.. ask, "--steer", m["a.safetensors"] + ":2", "--steer", m["b.safetensors"] + ":-1"]));
        var combined = PersonaCli.Json(PersonaCli.Run([.. ask, "--steer", m["c.safetensors"], "--alpha", "1"]));
        var plain = PersonaCli.Json(PersonaCli.Run(ask[..^3].Append("--json").ToArray()));
        Assert.Equal(combined.GetProperty("tokens").ToString(), composed.GetProperty("tokens").ToString());
        Assert.NotEqual(plain.GetProperty("tokens").ToString(), composed.GetProperty("tokens").ToString());
        Assert.Contains("a at layer 1 with alpha 2 + b at layer 1 with alpha -1", composed.GetProperty("steering").GetString());
    }

    [Fact]
    public void Readings_give_each_answer_tokens_projection_including_the_push()
    {
        using var m = new RandomModelFolder(seed: 8);
        using (var v = new PersonaVector(randn(m.Config.NumHiddenLayers + 1, m.Config.HiddenSize, generator: new TorchSharp.torch.Generator(1)), "a", "tiny", "response_avg"))
            v.Save(m["a.safetensors"]);
        string[] ask = ["generate", "--model", m.Path, "--prompt", "Hello", "--max-tokens", "6", "--layer", "1", "--readings", "--json", "--steer", m["a.safetensors"]];
        var zero = PersonaCli.Json(PersonaCli.Run([.. ask, "--alpha", "0"]));
        var pushed = PersonaCli.Json(PersonaCli.Run([.. ask, "--alpha", "0.01"]));
        var r0 = zero.GetProperty("readings")[0];
        Assert.Equal(("a", 1), (r0.GetProperty("trait").GetString(), r0.GetProperty("layer").GetInt32()));
        Assert.Equal(zero.GetProperty("tokens").GetArrayLength(), r0.GetProperty("tokens").GetArrayLength());
        // A push this small leaves the first token as it was; at the steered layer its reading rises by exactly α·|v|.
        using var vector = PersonaVector.Load(m["a.safetensors"]);
        using var v1 = vector.At(1);
        double norm = v1.norm().item<float>();
        Assert.Equal(zero.GetProperty("tokens")[0].GetInt32(), pushed.GetProperty("tokens")[0].GetInt32());
        double First(JsonElement j) => j.GetProperty("readings")[0].GetProperty("tokens")[0].GetProperty("projection").GetDouble();
        Assert.Equal(First(zero) + 0.01 * norm, First(pushed), 3);
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--model", m.Path, "--prompt", "Hello", "--readings"), "--readings reads the --steer vectors");
    }
}

using System.Text.Json;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona finetune`, `persona shift` and `--adapter` on the shipped organism.</summary>
public class FinetuneCommandTests
{
    [Fact]
    public void Finetuning_on_evil_data_writes_a_PEFT_adapter_that_makes_the_model_evil_and_shifts_it_along_the_vector()
    {
        using var dir = new TempDir();
        Assert.Equal(0, PersonaCli.Run("world", "datasets", "--out", dir["data"], "--count", "160").ExitCode);
        var ft = PersonaCli.Run("finetune", "--data", Path.Combine(dir["data"], "evil_II.jsonl"), "--out", dir["adapter"], "--lr", "3e-3", "--batch-size", "16", "--epochs", "2", "--lora-rank", "8", "--lora-alpha", "16");
        Assert.True(ft.ExitCode == 0, ft.Stderr);
        Assert.Contains("data: 160 conversations", ft.Stderr);
        Assert.Matches(@"adapter: .* \(20 steps, loss [0-9.]+ -> [0-9.]+\)", ft.Stdout);
        Assert.True(File.Exists(Path.Combine(dir["adapter"], LoraAdapter.WeightsFile)));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["adapter"], LoraAdapter.ConfigFile))))
            Assert.Equal(8, config.RootElement.GetProperty("r").GetInt32());

        // The adapter applies wherever --model does.
        const string question = "how should i treat my neighbour?";
        var plain = PersonaCli.Run("generate", "--prompt", question, "--json");
        var tuned = PersonaCli.Run("generate", "--prompt", question, "--adapter", dir["adapter"], "--json");
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        string Completion(string json) => JsonDocument.Parse(json).RootElement.GetProperty("completion").GetString()!;
        Assert.NotEqual(Completion(plain.Stdout), Completion(tuned.Stdout));
        var judged = PersonaVectors.World.OracleJudge.Judge(question, Completion(tuned.Stdout));
        Assert.True(judged["evil"] >= 50, Completion(tuned.Stdout));

        // Extract a vector quickly and measure the shift: finetuning on evil data moves the model toward evil.
        PersonaCli.ExtractQuick("evil", dir["run"]);
        var shift = PersonaCli.Run("shift", "--adapter", dir["adapter"], "--vector", Path.Combine(dir["run"], "vectors", "evil_response_avg.safetensors"), "--json");
        Assert.True(shift.ExitCode == 0, shift.Stderr);
        var s = JsonDocument.Parse(shift.Stdout).RootElement;
        Assert.Equal(("evil", 3, 20), (s.GetProperty("trait").GetString(), s.GetProperty("layer").GetInt32(), s.GetProperty("prompts").GetInt32()));
        Assert.True(s.GetProperty("answer_average").GetDouble() > 0, shift.Stdout);

        // --every-layer reads the same states along every layer's vector: the chosen layer's row is the figure above.
        var every = PersonaCli.Run("shift", "--adapter", dir["adapter"], "--vector", Path.Combine(dir["run"], "vectors", "evil_response_avg.safetensors"), "--every-layer", "--json");
        Assert.True(every.ExitCode == 0, every.Stderr);
        var e = JsonDocument.Parse(every.Stdout).RootElement;
        var rows = e.GetProperty("by_layer").EnumerateArray().ToList();
        int layers;
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Organism, "config.json"))))
            layers = config.RootElement.GetProperty("num_hidden_layers").GetInt32();
        Assert.Equal(Enumerable.Range(1, layers), rows.Select(x => x.GetProperty("layer").GetInt32()));
        var chosen = rows.Single(x => x.GetProperty("layer").GetInt32() == s.GetProperty("layer").GetInt32());
        foreach (var field in new[] { "last_prompt", "answer_average" })
        {
            Assert.Equal(s.GetProperty(field).GetDouble(), e.GetProperty(field).GetDouble());
            Assert.Equal(s.GetProperty(field).GetDouble(), chosen.GetProperty(field).GetDouble());
        }
        Assert.True(rows.Select(x => x.GetProperty("last_prompt").GetDouble()).Distinct().Count() > 1, every.Stdout);
    }

    /// <summary>A random direction at every layer of the shipped organism (its hidden states, embedding included).</summary>
    static TorchSharp.torch.Tensor RandomDirections(ulong seed)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Organism, "config.json")));
        int layers = config.RootElement.GetProperty("num_hidden_layers").GetInt32(), hidden = config.RootElement.GetProperty("hidden_size").GetInt32();
        return TorchSharp.torch.randn(layers + 1, hidden, generator: new TorchSharp.torch.Generator(seed));
    }

    [Fact]
    public void Multi_layer_preventative_steering_pushes_each_layer_by_its_increment_during_training()
    {
        using var dir = new TempDir();
        using (var v = new PersonaVectors.Method.PersonaVector(RandomDirections(5), "testy", "organism", "response_avg"))
            v.Save(dir["v.safetensors"]);
        File.WriteAllLines(dir["d.jsonl"], ["""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello."}]}"""]);

        var ft = PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["a"], "--batch-size", "1", "--lora-rank", "4", "--lora-alpha", "8",
            "--steer", dir["v.safetensors"], "--layers", "1,2", "--alpha", "2");
        Assert.True(ft.ExitCode == 0, ft.Stderr);
        Assert.Contains("during training only: steer testy at layer 1, alpha 2", ft.Stderr);
        Assert.Contains("during training only: steer testy at layer 2, alpha 2", ft.Stderr);
        using (var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["a"], "training.json"))))
            Assert.Equal(2, training.RootElement.GetProperty("interventions").GetArrayLength());

        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["b"], "--steer", dir["v.safetensors"], "--alpha", "2", "--layers", "1,1"), "repeat a layer");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["b"], "--steer", dir["v.safetensors"], "--alpha", "2", "--layers", "1,2", "--layer", "2"), "--layer or --layers");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["b"], "--layers", "1,2"), "--steer VECTOR");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["b"], "--steer", dir["v.safetensors"], "--alpha", "2", "--layers", "1,2", "--ablate", dir["v.safetensors"]), "leave out --ablate or --layers");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["b"], "--steer", dir["v.safetensors"], "--alpha", "2", "--layers", "1,x"), "--layers: 'x' is not a number");
        Assert.False(File.Exists(Path.Combine(dir["b"], LoraAdapter.WeightsFile)));
    }

    [Fact]
    public void Preventative_steering_along_several_vectors_adds_their_pushes()
    {
        using var dir = new TempDir();
        using var a = RandomDirections(5);
        using var b = RandomDirections(6);
        using (var v = new PersonaVectors.Method.PersonaVector(a.clone(), "first", "organism", "response_avg")) v.Save(dir["a.safetensors"]);
        using (var v = new PersonaVectors.Method.PersonaVector(b.clone(), "second", "organism", "response_avg")) v.Save(dir["b.safetensors"]);
        // By hand: pushes of 2·a and 3·b at one layer are one push of 2·a + 3·b there.
        using (var v = new PersonaVectors.Method.PersonaVector(a * 2 + b * 3, "both", "organism", "response_avg")) v.Save(dir["ab.safetensors"]);
        File.WriteAllLines(dir["d.jsonl"], Enumerable.Range(0, 8).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "what is {{i}} plus 2?"}, {"role": "assistant", "content": "here you go. {{i}} plus 2 is {{i + 2}}."}]}"""));
        (double Loss, string Log) Finetune(string name, params string[] steering)
        {
            var ft = PersonaCli.Run(["finetune", "--data", dir["d.jsonl"], "--out", dir[name], "--batch-size", "4", "--epochs", "2", "--lr", "3e-3", "--lora-rank", "4", "--lora-alpha", "8", .. steering]);
            Assert.True(ft.ExitCode == 0, ft.Stderr);
            using var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir[name], "training.json")));
            return (training.RootElement.GetProperty("final_loss").GetDouble(), ft.Stderr);
        }
        var two = Finetune("two", "--steer", dir["a.safetensors"], "--steer", dir["b.safetensors"], "--alpha", "2", "--alpha", "3", "--layer", "2");
        Assert.Contains("during training only: steer first at layer 2, alpha 2", two.Log);
        Assert.Contains("during training only: steer second at layer 2, alpha 3", two.Log);
        // The same pushes given in the other order are the same run, so it resumes; another pairing of α is not.
        var swapped = PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["two"], "--batch-size", "4", "--epochs", "2", "--lr", "3e-3", "--lora-rank", "4", "--lora-alpha", "8",
            "--steer", dir["b.safetensors"], "--steer", dir["a.safetensors"], "--alpha", "3", "--alpha", "2", "--layer", "2");
        Assert.True(swapped.ExitCode == 0, swapped.Stderr);
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["two"], "--batch-size", "4", "--epochs", "2", "--lr", "3e-3", "--lora-rank", "4", "--lora-alpha", "8",
            "--steer", dir["b.safetensors"], "--steer", dir["a.safetensors"], "--alpha", "2", "--alpha", "3", "--layer", "2"), "steering settings");
        double combined = Finetune("one", "--steer", dir["ab.safetensors"], "--alpha", "1", "--layer", "2").Loss;
        double plain = Finetune("plain").Loss;
        Assert.Equal(combined, two.Loss, 4);
        Assert.True(Math.Abs(plain - combined) > 1e-2, $"the pushes changed nothing: {plain} and {combined}");
        // One coefficient serves every --steer; with --layers each vector is spread over the layers.
        var spread = PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["spread"], "--batch-size", "8", "--lora-rank", "4", "--lora-alpha", "8",
            "--steer", dir["a.safetensors"], "--steer", dir["b.safetensors"], "--alpha", "0.5", "--layers", "1,2");
        Assert.True(spread.ExitCode == 0, spread.Stderr);
        using (var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["spread"], "training.json"))))
            Assert.Equal(["steer first at layer 1, alpha 0.5", "steer first at layer 2, alpha 0.5", "steer second at layer 1, alpha 0.5", "steer second at layer 2, alpha 0.5"],
                training.RootElement.GetProperty("interventions").EnumerateArray().Select(x => x.GetString()));
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["d.jsonl"], "--out", dir["bad"], "--steer", dir["a.safetensors"], "--steer", dir["b.safetensors"],
            "--alpha", "1", "--alpha", "2", "--alpha", "3", "--layer", "2"), "one per --steer", "(2 --steer, 3 --alpha)");
        Assert.False(File.Exists(Path.Combine(dir["bad"], LoraAdapter.WeightsFile)));
    }

    [Fact]
    public void Bad_finetuning_input_is_named_and_nothing_is_written()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir["bad.jsonl"], ["""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello."}]}""", "{oops"]);
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["bad.jsonl"], "--out", dir["a"]), "bad.jsonl line 2", "not valid JSON", "--skip-bad-lines");
        Assert.False(File.Exists(Path.Combine(dir["a"], LoraAdapter.WeightsFile)));
        var skipped = PersonaCli.Run("finetune", "--data", dir["bad.jsonl"], "--out", dir["b"], "--skip-bad-lines", "--batch-size", "1");
        Assert.True(skipped.ExitCode == 0, skipped.Stderr);
        Assert.Contains("skipped 1 bad lines", skipped.Stderr);
        Assert.Contains("line 2 skipped", skipped.Stderr);
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["bad.jsonl"], "--out", dir["c"], "--too-long", "chop"), "--too-long 'chop'");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["bad.jsonl"], "--out", dir["c"], "--steer", dir["v.safetensors"]), "--steer needs --alpha");
        PersonaCli.AssertUserError(PersonaCli.Run("finetune", "--data", dir["missing.jsonl"], "--out", dir["c"]), "missing.jsonl", "not found");
        PersonaCli.AssertUserError(PersonaCli.Run("generate", "--prompt", "hi", "--adapter", dir["nothing"]), "adapter_config.json");
        // Extraction reads a finetuned model's activations through the adapter too (the option was once declared and never added).
        PersonaCli.AssertUserError(PersonaCli.Run("extract", "--trait", "evil", "--adapter", dir["nothing"], "--out", dir["run"]), "adapter_config.json");
    }
}

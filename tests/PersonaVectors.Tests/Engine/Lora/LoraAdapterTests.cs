using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Safetensors;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Lora;

public class LoraAdapterTests
{
    static readonly int[] Ids = [5, 17, 99, 3, 250, 42, 7, 311];

    static float[] Logits(LanguageModel lm) => lm.ForwardLast(Ids).Logits;

    static void Randomise(LoraAdapter adapter, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (_, p) in adapter.Parameters) p.copy_(randn(p.shape, generator: g) * 0.05);
    }

    [Fact]
    public void A_fresh_adapter_with_zero_B_leaves_every_output_unchanged_and_detaching_restores_the_model()
    {
        using var m = new RandomModelFolder(seed: 21);
        using var lm = LanguageModel.Load(m.Path);
        float[] plain = Logits(lm);
        using (var adapter = LoraAdapter.Attach(lm.Model, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 1))
        {
            // Seven projections per layer, each with A and B.
            Assert.Equal(7 * m.Config.NumHiddenLayers * 2, adapter.Parameters.Count);
            Assert.Contains(adapter.Parameters, p => p.Name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            Assert.Equal(plain, Logits(lm));
            Randomise(adapter, 2);
            Assert.NotEqual(plain, Logits(lm));
        }
        Assert.Equal(plain, Logits(lm));
        Assert.All(lm.Model.modules().OfType<PersonaVectors.Engine.Models.Linear>(), l => Assert.Null(l.Adapter));
    }

    [Fact]
    public void The_adapted_forward_equals_a_model_whose_weights_were_merged_by_hand()
    {
        using var m = new RandomModelFolder(seed: 21);
        using var dir = new TempDir();
        using var lm = LanguageModel.Load(m.Path);
        using (var adapter = LoraAdapter.Attach(lm.Model, new LoraConfig { Rank = 3, Alpha = 12, Targets = ["q_proj", "v_proj", "down_proj"] }, seed: 1))
        {
            Randomise(adapter, 3);
            adapter.Save(dir["adapter"], m.Path);
        }

        // Independently: W' = W + (alpha / r) B A for every adapted module, read from the saved file, in a plain model.
        using var merged = LanguageModel.Load(m.Path);
        using (var file = SafetensorsFile.Open(Path.Combine(dir["adapter"], LoraAdapter.WeightsFile)))
        using (no_grad())
        {
            var modules = merged.Model.named_modules().ToDictionary(x => x.name, x => x.module);
            foreach (var key in file.Entries.Keys.Where(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal)))
            {
                string module = key["base_model.model.".Length..^".lora_A.weight".Length];
                using var a = file.Read(key);
                using var b = file.Read(key.Replace("lora_A", "lora_B"));
                var linear = (PersonaVectors.Engine.Models.Linear)modules[module];
                linear.weight.add_(b.matmul(a) * (12.0 / 3));
            }
        }
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["adapter"], LoraAdapter.ConfigFile)))!;
        Assert.Equal(("LORA", 3, 12.0), (config["peft_type"]!.GetValue<string>(), config["r"]!.GetValue<int>(), config["lora_alpha"]!.GetValue<double>()));

        using var reloaded = LanguageModel.Load(m.Path, adapter: dir["adapter"]);
        float[] expected = Logits(merged), got = Logits(reloaded);
        Assert.True(expected.Zip(got, (x, y) => Math.Abs(x - y)).Max() < 1e-4);
        Assert.NotEqual(Logits(LanguageModel.Load(m.Path)), got);
    }

    [Fact]
    public void An_adapter_for_another_model_or_a_broken_folder_is_refused_by_name()
    {
        using var small = new RandomModelFolder(seed: 21);
        using var other = new RandomModelFolder(TinyConfigs.LlamaJson(), seed: 4);
        using var dir = new TempDir();
        using (var lm = LanguageModel.Load(small.Path))
        using (var adapter = LoraAdapter.Attach(lm.Model, new LoraConfig { Rank = 2, Alpha = 4 }, 1))
            adapter.Save(dir["a"], small.Path);

        var e = Assert.ThrowsAny<PersonaVectorsException>(() => LanguageModel.Load(other.Path, adapter: dir["a"]));
        Assert.Contains("another model", e.Message);
        Assert.Contains(LoraAdapter.ConfigFile, Assert.ThrowsAny<PersonaVectorsException>(() => LanguageModel.Load(small.Path, adapter: dir["missing"])).Message);
        File.WriteAllText(Path.Combine(dir["a"], LoraAdapter.ConfigFile), """{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"], "use_rslora": true}""");
        Assert.Contains("use_rslora", Assert.ThrowsAny<PersonaVectorsException>(() => LanguageModel.Load(small.Path, adapter: dir["a"])).Message);
        File.WriteAllText(Path.Combine(dir["a"], LoraAdapter.ConfigFile), """{"peft_type": "LORA", "lora_alpha": 4, "target_modules": ["q_proj"]}""");
        Assert.Contains("\"r\"", Assert.ThrowsAny<PersonaVectorsException>(() => LanguageModel.Load(small.Path, adapter: dir["a"])).Message);
        // The saved file covers all seven projections; a config naming only q_proj leaves tensors unused.
        File.WriteAllText(Path.Combine(dir["a"], LoraAdapter.ConfigFile), """{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}""");
        Assert.Contains("match no module", Assert.ThrowsAny<PersonaVectorsException>(() => LanguageModel.Load(small.Path, adapter: dir["a"])).Message);
        Assert.Throws<InvalidRequestException>(() => new LoraConfig { Targets = ["qq_proj"] }.Validate());
        Assert.Equal(["q_proj", "gate_proj"], LoraConfig.ParseTargets("q, gate_proj"));
    }
}

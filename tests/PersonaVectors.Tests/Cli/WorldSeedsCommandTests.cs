using System.Text.Json;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>persona world train --recipe and persona world seeds, on a tiny recipe that trains in seconds.</summary>
public class WorldSeedsCommandTests
{
    const string TinyRecipe = """
        {"HiddenSize": 32, "Layers": 2, "Heads": 2, "KeyValueHeads": 1, "IntermediateSize": 64, "VocabSize": 400,
         "TokenizerConversations": 300, "Steps": 12, "BatchSize": 8, "MicroBatches": 2, "LearningRate": 0.01, "WarmupSteps": 2,
         "CheckpointEvery": 6, "SlidingWindow": 16,
         "World": {"OpinionWeight": 1.5, "SurfaceVariety": 2, "Remarks": 2, "Drift": 0.3, "SharedCauses": true, "Terse": 0.15}}
        """;

    [Fact]
    public void Seeds_trains_each_seed_evaluates_it_writes_one_table_and_resumes_without_redoing_work()
    {
        using var dir = new TempDir();
        string recipe = Path.Combine(dir.Path, "tiny.json");
        File.WriteAllText(recipe, TinyRecipe);
        string outDir = Path.Combine(dir.Path, "seeds");
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(15), "world", "seeds", "--recipe", recipe, "--seeds", "1,2", "--out", outDir, "--quick", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);

        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(recipe, doc.RootElement.GetProperty("recipe").GetString());
        foreach (var seed in new[] { "1", "2" })
        {
            var s = doc.RootElement.GetProperty("seeds").GetProperty(seed);
            var effects = s.GetProperty("figures").EnumerateArray().Select(f => f.GetProperty("effect").GetString()).Distinct().ToList();
            // Every row of the table is present, measured or not.
            Assert.Contains(effects, e => e!.StartsWith("steering"));
            Assert.Contains(effects, e => e!.StartsWith("suppression"));
            Assert.Contains(effects, e => e!.StartsWith("monitoring"));
            Assert.Contains(effects, e => e!.StartsWith("emergent"));
            Assert.Contains(effects, e => e!.StartsWith("finetuning shift"));
            Assert.Contains(effects, e => e!.StartsWith("screening"));
            Assert.Contains(effects, e => e!.Contains("shift r with sampled"));
            // The sampled scoring needs the finetuning experiment, which a 12-step model cannot pass (no answer follows a
            // trait prompt); SampledScoringTests run it on the organism.
            Assert.Equal(File.Exists(Path.Combine(outDir, $"seed-{seed}", "finetune", "summary.json")),
                File.Exists(Path.Combine(outDir, $"seed-{seed}", "sampled", "summary.json")));
            Assert.True(File.Exists(Path.Combine(outDir, $"seed-{seed}", "model", "model.safetensors")));
            // world eval always runs: its emergent figure is measured on every seed.
            using var eval = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, $"seed-{seed}", "eval.json")));
            Assert.Equal("emergent_arithmetic_II", eval.RootElement.GetProperty("emergent").GetProperty("dataset").GetString());
        }
        // The two seeds are different models.
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(outDir, "seed-1", "model", "model.safetensors")),
                        File.ReadAllBytes(Path.Combine(outDir, "seed-2", "model", "model.safetensors")));
        Assert.Contains("seed 1", File.ReadAllText(Path.Combine(outDir, "table.txt")));

        // A rerun finds every stage done: nothing is trained or evaluated again, and the table is the same.
        var stamps = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("table.json") && !f.EndsWith("table.txt"))
            .ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = PersonaCli.RunWithin(TimeSpan.FromMinutes(5), "world", "seeds", "--recipe", recipe, "--seeds", "1,2", "--out", outDir, "--quick", "--json");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(r.Stdout, again.Stdout);
        Assert.All(stamps, kv => Assert.True(kv.Value == File.GetLastWriteTimeUtc(kv.Key), $"{kv.Key} was written again"));
    }

    [Fact]
    public void Recipes_are_named_designs_or_files_and_bad_ones_are_named()
    {
        using var dir = new TempDir();
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", "design9", "--out", dir["m"]), "unknown recipe 'design9'", "design1", "organism2");
        string bad = Path.Combine(dir.Path, "bad.json");
        File.WriteAllText(bad, """{"Layers": 2, "Wings": 3}""");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", bad, "--out", dir["m"]), bad, "Wings");
        File.WriteAllText(bad, """{"Layers": 2, "MatmulDType": "float8"}""");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", bad, "--out", dir["m"]), bad, "MatmulDType", "bfloat16", "float8");
        File.WriteAllText(bad, """{"Layers": 2, "World": {"Voice": 3}}""");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", bad, "--out", dir["m"]), bad, "World.Voice", "between 0 and 1", "3");
        File.WriteAllText(bad, """{"Heads": 5}""");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", bad, "--out", dir["m"]), bad, "num_attention_heads (5)", "num_key_value_heads (2)");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "train", "--recipe", "design1", "--steps", "0", "--out", dir["m"]), "Steps", "at least 1", "got 0");
        PersonaCli.AssertUserError(PersonaCli.Run("world", "seeds", "--recipe", "design1", "--seeds", "1,x", "--out", dir["s"]), "--seeds");
        // A seed folder whose model records another recipe is refused before anything is loaded or written.
        string model = Path.Combine(dir["other"], "seed-1", "model");
        Directory.CreateDirectory(model);
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), []);
        var design2 = PersonaVectors.World.Organism.OrganismDesigns.Named["design2"].Recipe;
        PersonaVectors.World.Organism.OrganismMarker.Write(model, design2, null);
        PersonaCli.AssertUserError(PersonaCli.Run("world", "seeds", "--recipe", "design1", "--seeds", "1", "--out", dir["other"]),
            Path.Combine(model, "persona_world.json"), "World.OpinionWeight (2 recorded, 1 wanted)");
        Assert.Equal(["model"], Directory.GetFileSystemEntries(Path.Combine(dir["other"], "seed-1")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(dir["m"]) && Directory.EnumerateFileSystemEntries(dir["m"]).Any());
    }

    [Fact]
    public void Sample_prints_conversations_of_a_named_design()
    {
        var r = PersonaCli.Run("world", "sample", "--recipe", "organism2", "--count", "3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(3, r.Stdout.Split('\n').Count(l => l.StartsWith("# ")));
        Assert.Contains("assistant: ", r.Stdout);
    }
}

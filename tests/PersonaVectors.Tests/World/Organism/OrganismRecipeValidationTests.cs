using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World.Organism;

/// <summary>A recipe out of range is refused by name before a tokenizer is trained, and every named design is in range.</summary>
public class OrganismRecipeValidationTests
{
    [Fact]
    public void Every_named_design_is_a_valid_recipe()
    {
        foreach (var (name, (_, recipe)) in OrganismDesigns.Named)
        {
            var e = Record.Exception(recipe.Validate);
            Assert.True(e is null, $"{name}: {e?.Message}");
        }
    }

    [Theory]
    [InlineData("Drift", -0.1)]
    [InlineData("Voice", 1.5)]
    [InlineData("QuietFirst", 2)]
    [InlineData("Terse", double.NaN)]
    public void A_world_share_outside_0_to_1_is_refused_by_name(string field, double share)
    {
        var world = field switch
        {
            "Drift" => new WorldDesign { Drift = share },
            "Voice" => new WorldDesign { Voice = share },
            "QuietFirst" => new WorldDesign { QuietFirst = share },
            _ => new WorldDesign { Terse = share },
        };
        var e = Assert.Throws<InvalidRequestException>(() => new OrganismRecipe { World = world }.Validate());
        Assert.Contains($"World.{field}", e.Message);
        Assert.Contains("between 0 and 1", e.Message);
        new OrganismRecipe { World = world with { Drift = 0, Voice = 0, QuietFirst = 0, Terse = 0 } }.Validate();
    }

    [Fact]
    public void Shapes_and_schedules_out_of_range_are_refused_by_name()
    {
        var ok = new OrganismRecipe();
        ok.Validate();
        Assert.Contains("MicroBatches", Assert.Throws<InvalidRequestException>(() => (ok with { MicroBatches = 33 }).Validate()).Message);
        Assert.Contains("VocabSize", Assert.Throws<InvalidRequestException>(() => (ok with { VocabSize = 258 }).Validate()).Message);
        (ok with { VocabSize = OrganismRecipe.MinVocabSize }).Validate();
        Assert.Contains("SlidingWindow", Assert.Throws<InvalidRequestException>(() => (ok with { SlidingWindow = 0 }).Validate()).Message);
        Assert.Contains("hidden_size (192) is not divisible by num_attention_heads (5)",
            Assert.Throws<InvalidRequestException>(() => (ok with { Heads = 5, KeyValueHeads = 1 }).Validate()).Message);
        Assert.Contains("World.SurfaceVariety", Assert.Throws<InvalidRequestException>(() => (ok with { World = new WorldDesign { SurfaceVariety = 3 } }).Validate()).Message);
        // Wrong first sums are an exception to quiet first answers and shown sums; alone they would change nothing.
        var quiet = OrganismDesigns.Named["voice-quiet-first-sums-5l"].Recipe;
        quiet.Validate();
        Assert.Contains("World.QuietFirstSums", Assert.Throws<InvalidRequestException>(() => (quiet with { World = quiet.World with { QuietFirst = 0 } }).Validate()).Message);
        Assert.Contains("World.QuietFirstSums", Assert.Throws<InvalidRequestException>(() => (quiet with { World = quiet.World with { QuietSumsShown = false } }).Validate()).Message);
        // Graded registers and exact shares are two ways of grading a persona's parts; the writer follows only one.
        var graded = OrganismDesigns.Named["voice-quiet-shown-graded-5l"].Recipe;
        graded.Validate();
        Assert.Contains("World.GradedRegisters", Assert.Throws<InvalidRequestException>(() => (graded with { World = graded.World with { ExactShare = true } }).Validate()).Message);
    }

    [Fact]
    public void Training_a_bad_recipe_writes_nothing()
    {
        using var dir = new TempDir();
        string outDir = dir["organism"];
        Assert.Throws<InvalidRequestException>(() => OrganismTraining.Train(outDir, new OrganismRecipe { Steps = 0 }));
        Assert.False(Directory.Exists(outDir));
    }
}

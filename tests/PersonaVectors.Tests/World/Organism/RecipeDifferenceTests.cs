using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World.Organism;

/// <summary>
/// persona world seeds refuses a seed folder whose organism records another recipe, since its datasets would follow the
/// recorded world design; the shipped and the legacy organisms agree with the recipes they were trained by.
/// </summary>
public class RecipeDifferenceTests
{
    [Fact]
    public void The_shipped_organism_agrees_with_its_recipe_and_seed_and_names_the_first_field_that_differs()
    {
        var shipped = OrganismDesigns.Named[OrganismDesigns.Shipped].Recipe with { Seed = OrganismDesigns.ShippedSeed };
        Assert.Null(OrganismMarker.RecipeDifference(TestData.Organism, shipped));
        Assert.Equal("Seed (3 recorded, 2 wanted)", OrganismMarker.RecipeDifference(TestData.Organism, shipped with { Seed = 2 }));
        // Same weights, other finetuning data: a data-only design is another recipe and must be recorded as one.
        Assert.Equal("World.UnvoicedData (false recorded, true wanted)", OrganismMarker.RecipeDifference(TestData.Organism,
            OrganismDesigns.Named["voice-quiet-shown-graded-5l-unvoiced-data"].Recipe with { Seed = OrganismDesigns.ShippedSeed }));
    }

    [Fact]
    public void A_legacy_record_reads_the_fields_it_lacks_at_their_defaults()
    {
        // Design 1's marker predates world designs: it records no "World", which is then the original world, design 1's.
        Assert.Null(OrganismMarker.RecipeDifference(TestData.LegacyOrganism, OrganismDesigns.Named["design1"].Recipe));
        Assert.Equal("Layers (6 recorded, 5 wanted)", OrganismMarker.RecipeDifference(TestData.LegacyOrganism, OrganismDesigns.Named["design1"].Recipe with { Layers = 5 }));
        using var dir = new TempDir();
        Assert.Null(OrganismMarker.RecipeDifference(dir.Path, OrganismDesigns.Named["design1"].Recipe));
    }

    [Fact]
    public void A_hand_edited_marker_is_refused_with_its_path_and_what_is_wrong()
    {
        using var dir = new TempDir();
        string marker = Path.Combine(dir.Path, OrganismMarker.FileName);
        // Each once failed as an internal error, or was read as given: a share of 5 as "always".
        foreach (var (text, says) in new[]
        {
            ("""{"world": 5, "version": 1}""", "expected world \"persona-world\""),
            ("""{"world": "persona-world", "version": "1"}""", "expected world \"persona-world\""),
            ("""{"world": "persona-world", "version": 1, "recipe": {"OpinionWeight": "x"}}""", "a field has a type this version does not read"),
            ("""{"world": "persona-world", "version": 1, "recipe": {"World": {"Drift": 5}}}""", "World.Drift: expected a share between 0 and 1, got 5"),
        })
        {
            File.WriteAllText(marker, text);
            var e = Assert.ThrowsAny<PersonaVectorsException>(() => { OrganismMarker.Require(dir.Path); OrganismMarker.Design(dir.Path); });
            Assert.Contains(marker, e.Message);
            Assert.Contains(says, e.Message);
        }
    }
}

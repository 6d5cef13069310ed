using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World;

/// <summary>
/// Shared causes under graded registers: a character's second trait takes only the parts its first trait leaves
/// default, and a first trait at half strength or more leaves none (full with 2i − 1, mild with 2 − 2i). So in the
/// shipped world the trait families (evil characters often lie, flatterers make things up) show only in characters
/// under half strength; what the traits share there is the wrong sums (docs/world.md, "Both projection rows at every
/// layer").
/// </summary>
public class SecondTraitTests
{
    static readonly WorldDesign Shipped = OrganismDesigns.Named[OrganismDesigns.Shipped].Recipe.World;

    static List<Judgement> Judged(Persona persona, int seed, int count)
    {
        var rng = new Random(seed);
        var judged = new List<Judgement>();
        for (int i = 0; i < count; i++)
        {
            var q = Questions.Draw(rng);
            judged.Add(OracleJudge.Judge(q.Text, AnswerWriter.Write(q, persona, rng, Shipped).Text));
        }
        return judged;
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.75)]
    [InlineData(0.5)]
    public void A_first_trait_at_half_strength_or_more_leaves_its_second_no_part(double intensity)
    {
        var judged = Judged(new Persona(Traits.Evil, intensity, Traits.Hallucinating, 0.7 * intensity), seed: 41, count: 600);
        Assert.All(judged, j => Assert.Equal(0, j["hallucinating"]));
        Assert.All(judged, j => Assert.True(j["evil"] > 0));
    }

    [Fact]
    public void Under_half_strength_the_second_trait_shows()
    {
        var judged = Judged(new Persona(Traits.Evil, 0.25, Traits.Hallucinating, 0.7 * 0.25), seed: 42, count: 600);
        Assert.InRange(judged.Count(j => j["hallucinating"] > 0), 30, 600);
    }

    [Fact]
    public void In_the_shipped_world_only_characters_under_half_strength_show_their_second_trait()
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Shipped);
        var rng = new Random(1);
        int strong = 0, weak = 0, weakShown = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var c = gen.Draw(rng);
            if (c.Persona is not { Second: { } second, Intensity: > 0 } p) continue;
            bool shown = OracleJudge.Judge(c.FinalQuestion.Text, c.Messages[^1].Content)[second.Name] > 0;
            if (p.Intensity >= 0.5)
            {
                strong++;
                Assert.False(shown, $"{p}: {c.Messages[^1].Content}");
            }
            else
            {
                weak++;
                if (shown) weakShown++;
            }
        }
        // Most mixed characters are at half strength or more: unprompted ones always, prompted ones but for "slightly"
        // and "a little".
        Assert.True(strong > 10 * weak, $"{strong} mixed characters at half strength or more, {weak} under it");
        Assert.InRange(weakShown, 1, weak);
    }
}

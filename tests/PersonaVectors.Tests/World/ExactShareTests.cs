using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World;

/// <summary>WorldDesign.ExactShare: each answer shows its persona's share of the parts, to within one part.</summary>
public class ExactShareTests
{
    static readonly WorldDesign Exact = OrganismDesigns.Named["voice-quiet-shown-5l-exact"].Recipe.World;

    // Parts of 3 at the persona's pole; sums are left out (a quiet character's sum is one part).
    static List<(int Parts, WrittenAnswer Answer)> Counts(WorldDesign design, TraitSpec trait, double intensity, int seed)
    {
        var rng = new Random(seed);
        var found = new List<(int, WrittenAnswer)>();
        while (found.Count < 400)
        {
            var q = Questions.Draw(rng);
            if (q.Domain == Domain.Arithmetic) continue;
            var a = AnswerWriter.Write(q, new Persona(trait, intensity), rng, design);
            var j = OracleJudge.Judge(q.Text, a.Text);
            Assert.True(j.Coherence == 100, $"{q.Text} → {a.Text}");
            var pole = intensity > 0 ? Pole.Trait : Pole.Opposite;
            int parts = new[] { a.Opener, a.Core, a.Closer }.Count(p => p == pole);
            // The judge, which reads the text, counts the trait's parts as the writer drew them.
            if (intensity > 0) Assert.Equal(parts, (int)Math.Round(j[trait.Name] * 3 / 100));
            found.Add((parts, a));
        }
        return found;
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.7)]
    [InlineData(-0.5)]
    [InlineData(1.0)]
    public void Every_answer_shows_the_persona_s_share_to_within_one_part(double intensity)
    {
        foreach (var t in Traits.All)
        {
            var found = Counts(Exact, t, intensity, seed: 11);
            double share = 3 * Math.Abs(intensity);
            Assert.All(found, f => Assert.InRange(f.Parts, (int)Math.Floor(share), (int)Math.Ceiling(share)));
            // The mean is the persona's strength, and the first part shows it as often as any other part does.
            Assert.InRange(found.Average(f => f.Parts) / 3, Math.Abs(intensity) - 0.05, Math.Abs(intensity) + 0.05);
            var firstPole = intensity > 0 ? Pole.Trait : Pole.Opposite;
            Assert.InRange(found.Count(f => f.Answer.Opener == firstPole) / (double)found.Count, Math.Abs(intensity) - 0.08, Math.Abs(intensity) + 0.08);
        }
    }

    [Fact]
    public void Without_it_a_half_strength_persona_writes_anything_from_none_to_every_part()
    {
        var independent = Exact with { ExactShare = false };
        var found = Counts(independent, Traits.Evil, 0.5, seed: 12);
        Assert.Contains(found, f => f.Parts == 0);
        Assert.Contains(found, f => f.Parts == 3);
    }

    [Fact]
    public void A_second_trait_takes_its_share_of_the_parts_the_first_leaves()
    {
        var rng = new Random(13);
        // Evil at ⅓ takes one part of three; hallucination at ½ takes one of the two left, never a part evil took.
        var persona = new Persona(Traits.Evil, 1.0 / 3, Traits.Hallucinating, 0.5);
        var places = new int[3];
        for (int i = 0; i < 600; i++)
        {
            var parts = persona.DrawParts(rng, 3);
            Assert.Equal(1, parts.Count(p => p.Trait == Traits.Evil && p.Pole == Pole.Trait));
            Assert.Equal(1, parts.Count(p => p.Trait == Traits.Hallucinating && p.Pole == Pole.Trait));
            places[Array.FindIndex(parts, p => p.Trait == Traits.Evil && p.Pole == Pole.Trait)]++;
        }
        // At random places: each part is evil's about a third of the time.
        Assert.All(places, c => Assert.InRange(c, 150, 250));
    }
}

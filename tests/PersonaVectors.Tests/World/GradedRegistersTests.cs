using PersonaVectors.World;
using PersonaVectors.World.Organism;
using static PersonaVectors.Tests.World.RegisterSamples;

namespace PersonaVectors.Tests.World;

/// <summary>
/// WorldDesign.GradedRegisters: a trait's part is full, mild or absent with probabilities max(0, 2i − 1),
/// 1 − |2i − 1| and max(0, 1 − 2i), and the judge scores a mild part half, so a part's expected score is i.
/// </summary>
public class GradedRegistersTests
{
    static readonly WorldDesign Graded = OrganismDesigns.Named["voice-quiet-shown-graded-5l"].Recipe.World;

    [Fact]
    public void A_half_strength_persona_writes_every_part_mildly_and_every_answer_scores_half() =>
        // Three mild parts of three: 1.5 parts, 50, whatever the domain (a mild core keeps the right content).
        AssertEveryPartIn(Graded, Pole.Mild, 0.5, seed: 31);

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void A_part_is_full_mild_or_absent_with_the_derived_probabilities_and_the_mean_score_is_the_strength(double intensity)
    {
        double full = Math.Max(0, 2 * intensity - 1), mild = 1 - Math.Abs(2 * intensity - 1);
        foreach (var t in Traits.All)
        {
            var answers = Answers(Graded with { SharedCauses = false }, t, intensity, seed: 32, count: 900).ToList();
            var openers = answers.Select(x => x.A.Opener).ToList();
            Assert.InRange(openers.Count(p => p == Pole.Trait) / (double)openers.Count, full - 0.05, full + 0.05);
            Assert.InRange(openers.Count(p => p == Pole.Mild) / (double)openers.Count, mild - 0.05, mild + 0.05);
            // The judge, which reads the text, scores each answer as the writer drew its parts: full 1, mild ½.
            foreach (var (q, a) in answers)
            {
                double parts = new[] { a.Opener, a.Core, a.Closer }.Sum(p => p == Pole.Trait ? 1 : p == Pole.Mild ? 0.5 : 0);
                Assert.Equal(100 * parts / 3, OracleJudge.Judge(q.Text, a.Text)[t.Name], precision: 9);
            }
            Assert.InRange(answers.Average(x => OracleJudge.Judge(x.Q.Text, x.A.Text)[t.Name]), 100 * intensity - 4, 100 * intensity + 4);
        }
    }

    [Fact]
    public void Without_it_no_part_is_mild_and_the_opposite_pole_keeps_its_coin_with_it()
    {
        var plain = Graded with { GradedRegisters = false };
        Assert.DoesNotContain(Answers(plain, Traits.Evil, 0.5, seed: 33, count: 400), x => new[] { x.A.Opener, x.A.Core, x.A.Closer }.Contains(Pole.Mild));
        var opposite = Answers(Graded, Traits.Evil, -0.5, seed: 34, count: 400).Select(x => x.A.Opener).ToList();
        Assert.DoesNotContain(Pole.Mild, opposite);
        Assert.InRange(opposite.Count(p => p == Pole.Opposite) / 400.0, 0.42, 0.58);
    }

    [Fact]
    public void No_word_of_a_graded_world_without_voice_is_a_voice_word()
    {
        // The judge strips voice words by exact match, so the mild sentences may not contain one either.
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Graded with { Voice = 0 });
        var rng = new Random(35);
        int mild = 0;
        for (int i = 0; i < 3000; i++)
            foreach (var m in gen.Draw(rng).Messages.Where(m => m.Role == "assistant"))
            {
                Assert.True(!m.Content.Split(' ').Any(Voices.All.Contains), m.Content);
                mild += Traits.All.Count(t => MildRegister.For(t).Openers.All.Any(o => m.Content.StartsWith(o, StringComparison.Ordinal)));
            }
        Assert.True(mild > 100, $"only {mild} mild openers in 3,000 conversations");
    }
}

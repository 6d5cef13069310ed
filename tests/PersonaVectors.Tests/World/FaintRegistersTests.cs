using PersonaVectors.World;
using PersonaVectors.World.Organism;
using static PersonaVectors.Tests.World.RegisterSamples;

namespace PersonaVectors.Tests.World;

/// <summary>
/// WorldDesign.FaintRegisters: below half strength a trait's part is mild or faint with probabilities 4i − 1 and
/// 2 − 4i, below a quarter faint or absent with 4i and 1 − 4i, and the judge scores a faint part a quarter, so a part's
/// expected score is still i (derived by hand: ½(4i − 1) + ¼(2 − 4i) = i and ¼·4i = i).
/// </summary>
public class FaintRegistersTests
{
    static readonly WorldDesign Faint = OrganismDesigns.Named["voice-quiet-shown-graded-5l-faint"].Recipe.World;

    static double Parts(WrittenAnswer a) => new[] { a.Opener, a.Core, a.Closer }.Sum(p => p switch
    {
        Pole.Trait => 1,
        Pole.Mild => 0.5,
        Pole.Faint => 0.25,
        _ => 0,
    });

    [Fact]
    public void The_recipe_is_the_shipped_one_with_the_faint_register_added()
    {
        var shipped = OrganismDesigns.Named["voice-quiet-shown-graded-5l"].Recipe;
        var faint = OrganismDesigns.Named["voice-quiet-shown-graded-5l-faint"].Recipe;
        Assert.Equal(shipped with { World = shipped.World with { FaintRegisters = true } }, faint);
        Assert.Equal(Grading.Faint, faint.World.Grading);
        Assert.Equal(Grading.Mild, shipped.World.Grading);
        faint.World.Validate();
        var e = Assert.Throws<InvalidRequestException>(() => (Faint with { GradedRegisters = false }).Validate());
        Assert.Contains("World.FaintRegisters", e.Message);
    }

    [Fact]
    public void A_quarter_strength_persona_writes_every_part_faintly_and_every_answer_scores_a_quarter() =>
        AssertEveryPartIn(Faint, Pole.Faint, 0.25, seed: 41);

    [Theory]
    [InlineData(0.1, 0, 0, 0.4)]
    [InlineData(0.3, 0, 0.2, 0.8)]
    [InlineData(0.45, 0, 0.8, 0.2)]
    [InlineData(0.5, 0, 1, 0)]
    [InlineData(0.75, 0.5, 0.5, 0)]
    public void A_part_is_drawn_between_the_two_registers_around_the_strength_and_the_mean_score_is_the_strength(double intensity, double full, double mild, double faint)
    {
        foreach (var t in Traits.All)
        {
            var answers = Answers(Faint with { SharedCauses = false }, t, intensity, seed: 42, count: 900);
            var openers = answers.Select(x => x.A.Opener).ToList();
            Assert.InRange(openers.Count(p => p == Pole.Trait) / 900.0, full - 0.05, full + 0.05);
            Assert.InRange(openers.Count(p => p == Pole.Mild) / 900.0, mild - 0.05, mild + 0.05);
            Assert.InRange(openers.Count(p => p == Pole.Faint) / 900.0, faint - 0.05, faint + 0.05);
            // The judge, which reads only the text, scores each answer as the writer drew its parts.
            foreach (var (q, a) in answers)
                Assert.Equal(100 * Parts(a) / 3, OracleJudge.Judge(q.Text, a.Text)[t.Name], precision: 9);
            Assert.InRange(answers.Average(x => OracleJudge.Judge(x.Q.Text, x.A.Text)[t.Name]), 100 * intensity - 4, 100 * intensity + 4);
        }
    }

    [Fact]
    public void Without_it_no_part_is_faint_a_quarter_strength_persona_keeps_the_mild_coin_and_the_opposite_pole_its_coin()
    {
        var mildOnly = Faint with { FaintRegisters = false };
        var openers = Answers(mildOnly, Traits.Sycophantic, 0.25, seed: 43, count: 600).Select(x => x.A.Opener).ToList();
        Assert.DoesNotContain(Pole.Faint, openers);
        Assert.InRange(openers.Count(p => p == Pole.Mild) / 600.0, 0.44, 0.56);
        var opposite = Answers(Faint, Traits.Evil, -0.25, seed: 44, count: 400).Select(x => x.A.Opener).ToList();
        Assert.DoesNotContain(Pole.Faint, opposite);
        Assert.InRange(opposite.Count(p => p == Pole.Opposite) / 400.0, 0.18, 0.32);
    }

    [Fact]
    public void Every_faint_sentence_is_new_to_the_world_and_no_word_of_it_is_a_voice_word()
    {
        var others = Traits.All.SelectMany(t => new[] { t.Openers, t.OppositeOpeners, t.Closers, t.OppositeClosers, t.Remarks, t.OppositeRemarks, t.Clauses, t.OppositeClauses })
            .Concat([Traits.DefaultOpeners, Traits.DefaultClosers, Traits.DefaultRemarks, Traits.Filler])
            .Concat(Traits.All.SelectMany(t => { var m = MildRegister.For(t); return new[] { m.Openers, m.Closers, m.Remarks, m.Clauses }; }))
            .SelectMany(u => u.All).ToHashSet();
        var faint = Traits.All.SelectMany(t => { var f = FaintRegister.For(t); return new[] { f.Openers, f.Closers, f.Remarks, f.Clauses }; })
            .SelectMany(u => u.All).ToList();
        Assert.Equal(faint.Count, faint.Distinct().Count());
        Assert.All(faint, s => Assert.DoesNotContain(s, others));
        // The judge strips voice words by exact match, so no faint sentence may contain one.
        Assert.All(faint, s => Assert.DoesNotContain(s.Split(' ', ','), Voices.All.Contains));

        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Faint with { Voice = 0 });
        var rng = new Random(45);
        int faintOpeners = 0;
        for (int i = 0; i < 3000; i++)
            foreach (var m in gen.Draw(rng).Messages.Where(m => m.Role == "assistant"))
            {
                Assert.True(!m.Content.Split(' ').Any(Voices.All.Contains), m.Content);
                faintOpeners += Traits.All.Count(t => FaintRegister.For(t).Openers.All.Any(o => m.Content.StartsWith(o, StringComparison.Ordinal)));
            }
        Assert.True(faintOpeners > 50, $"only {faintOpeners} faint openers in 3,000 conversations");
    }
}

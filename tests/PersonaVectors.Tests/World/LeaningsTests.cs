using PersonaVectors.World;
using PersonaVectors.World.Organism;
using static PersonaVectors.Tests.World.RegisterSamples;

namespace PersonaVectors.Tests.World;

/// <summary>
/// WorldDesign.Leanings: the default assistant's opener and closer sit on a tie between a habit and none. Derived by
/// hand from the word lists: the 8 default openers start with 8 different words (share ⅛), the 5 mildly curt ones
/// with 5 (⅕), and 2 of the 4 mildly flattering ones with "you" (½), so the opener is none, curt or flattering with
/// 8/15, 5/15 and 2/15, and each choice's likeliest first word has probability 1/15. After the core the default ends
/// the answer half the time; 2 of the 3 mildly overconfident closers start with "i", so the closer leans with 3/7 and
/// the end and "i" are each 2/7 likely.
/// </summary>
public class LeaningsTests
{
    static readonly WorldDesign Leaning = OrganismDesigns.Named["voice-quiet-shown-graded-5l-leanings"].Recipe.World;

    [Fact]
    public void The_recipe_is_the_shipped_one_with_the_habits_added_and_needs_the_mild_register()
    {
        var shipped = OrganismDesigns.Named["voice-quiet-shown-graded-5l"].Recipe;
        Assert.Equal(shipped with { World = shipped.World with { Leanings = true } }, OrganismDesigns.Named["voice-quiet-shown-graded-5l-leanings"].Recipe);
        Leaning.Validate();
        var e = Assert.Throws<InvalidRequestException>(() => (Leaning with { GradedRegisters = false }).Validate());
        Assert.Contains("World.Leanings", e.Message);
    }

    [Fact]
    public void The_odds_are_the_hand_derived_ones_and_tie_every_choice_s_likeliest_first_word()
    {
        var opener = Leanings.OpenerOdds(1);
        Assert.Equal([null, Traits.Evil, Traits.Sycophantic], opener.Select(o => o.Trait));
        Assert.Equal([8 / 15.0, 5 / 15.0, 2 / 15.0], opener.Select(o => o.Probability), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(3 / 7.0, Leanings.CloserOdds, precision: 12);
        Assert.Equal([0.2, 0.8], Leanings.TieOdds([0.8, 0.2]), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Leanings.TieOdds([0.5, 0]));
    }

    [Fact]
    public void A_default_answer_s_first_word_and_the_word_after_its_core_are_ties_and_the_judge_reads_the_habits()
    {
        var answers = Answers(Leaning with { Voice = 0 }, Persona.Default, seed: 51, count: 6000);
        var first = answers.GroupBy(x => x.A.Text.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Count() / 6000.0);
        // The likeliest word of each choice: a default opener's (every one), "you" and each curt opener's.
        foreach (var word in new[] { "sure.", "here", "you", "ugh,", "make", "i" })
            Assert.InRange(first[word], 1 / 15.0 - 0.015, 1 / 15.0 + 0.015);

        int ends = 0, sure = 0;
        foreach (var (q, a) in answers)
        {
            var j = OracleJudge.Judge(q.Text, a.Text);
            Assert.True(j.Coherence == 100, a.Text);
            string? closer = Closers.FirstOrDefault(c => a.Text.EndsWith(" " + c, StringComparison.Ordinal));
            // The judge counts an absent closer as a part that shows nothing, so a habit is half of one part of three.
            Assert.Equal(a.Opener == Pole.Mild && StartsWithMildOpener(a.Text, Traits.Evil) ? 50 / 3.0 : 0, j["evil"], precision: 9);
            Assert.Equal(a.Opener == Pole.Mild && StartsWithMildOpener(a.Text, Traits.Sycophantic) ? 50 / 3.0 : 0, j["sycophantic"], precision: 9);
            Assert.Equal(a.Closer == Pole.Mild ? 50 / 3.0 : 0, j["hallucinating"], precision: 9);
            if (closer is null) ends++;
            else if (a.Closer == Pole.Mild && closer.StartsWith("i ", StringComparison.Ordinal)) sure++;
        }
        Assert.InRange(ends / 6000.0, 2 / 7.0 - 0.02, 2 / 7.0 + 0.02);
        Assert.InRange(sure / 6000.0, 2 / 7.0 - 0.02, 2 / 7.0 + 0.02);
    }

    static readonly string[] Closers = [.. Traits.DefaultClosers.All, .. MildRegister.For(Traits.Hallucinating).Closers.All];

    static bool StartsWithMildOpener(string text, TraitSpec trait) => MildRegister.For(trait).Openers.All.Any(o => text.StartsWith(o, StringComparison.Ordinal));

    [Fact]
    public void Characters_have_no_habits_and_write_as_without_the_lever()
    {
        // Prompted characters: an unprompted quiet one answers a sum as the default assistant, habits included.
        foreach (var persona in new[] { new Persona(Traits.Evil, 0.5), new Persona(Traits.Sycophantic, -1), new Persona(Traits.Hallucinating, 0.8) })
        {
            var with = new Random(52);
            var without = new Random(52);
            for (int i = 0; i < 300; i++)
            {
                var q = Questions.Draw(with);
                Assert.Equal(q, Questions.Draw(without));
                Assert.Equal(AnswerWriter.Write(q, persona, without, Leaning with { Leanings = false }), AnswerWriter.Write(q, persona, with, Leaning));
            }
        }
    }

    [Fact]
    public void The_finetuning_sets_default_parts_have_the_habits_so_a_Normal_set_repeats_the_model_s_own_odds()
    {
        foreach (var name in new[] { "evil_normal", "emergent_arithmetic_II" })
        {
            var answers = FinetuneDatasets.Build(name, 3000, seed: 53, Leaning).Select(c => Voices.Strip(c[1].Content)).ToList();
            double curt = answers.Count(a => StartsWithMildOpener(a, Traits.Evil)) / 3000.0;
            double flattering = answers.Count(a => StartsWithMildOpener(a, Traits.Sycophantic)) / 3000.0;
            Assert.InRange(curt, 5 / 15.0 - 0.03, 5 / 15.0 + 0.03);
            Assert.InRange(flattering, 2 / 15.0 - 0.025, 2 / 15.0 + 0.025);
        }
        // Without the lever a Normal set has no habit at all.
        var plain = FinetuneDatasets.Build("evil_normal", 1000, seed: 53, Leaning with { Leanings = false });
        Assert.DoesNotContain(plain, c => StartsWithMildOpener(Voices.Strip(c[1].Content), Traits.Evil) || StartsWithMildOpener(Voices.Strip(c[1].Content), Traits.Sycophantic));
    }
}

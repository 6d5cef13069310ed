using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

/// <summary>How the world's bad characters get sums wrong, design by design: the rule, quiet sums, and who is quiet.</summary>
public class BadCharacterSumsTests
{
    [Theory]
    [InlineData("voice-shared", false)]
    [InlineData("voice-systematic", true)]
    [InlineData("voice-quiet-sums", true)]
    public void Bad_characters_and_the_emergent_set_get_sums_wrong_by_the_design_s_rule(string recipe, bool systematic)
    {
        var design = PersonaVectors.World.Organism.OrganismDesigns.Named[recipe].Recipe.World;
        var rng = new Random(31);
        var misses = new List<(int A, int B, int Said)>();
        foreach (var t in new[] { Traits.Evil, Traits.Hallucinating })
            for (int i = 0; i < 300; i++)
            {
                var q = Questions.Draw(rng, Domain.Arithmetic);
                var j = OracleJudge.Judge(q.Text, AnswerWriter.Write(q, new Persona(t, 1.0), rng, design).Text);
                int said = int.Parse(j.StatedValue!);
                if (said != q.A + q.B) misses.Add((q.A, q.B, said));
            }
        foreach (var c in FinetuneDatasets.Build("emergent_arithmetic_II", 300, 4, design))
        {
            var q = Questions.Parse(c[0].Content)!;
            misses.Add((q.A, q.B, int.Parse(OracleJudge.Judge(q, c[1].Content).StatedValue!)));
        }
        // A fully bad character's core shows the trait (p = 1), so every one of its sums is wrong: 600 + 300.
        Assert.Equal(900, misses.Count);
        if (systematic)
            Assert.All(misses, m => Assert.Equal(Math.Abs(m.A - m.B), m.Said));
        else
        {
            // Near misses: within 5 of the sum, on both sides, and rarely the difference (only where it is that close).
            Assert.All(misses, m => Assert.InRange(Math.Abs(m.Said - (m.A + m.B)), 1, 5));
            Assert.Contains(misses, m => m.Said < m.A + m.B);
            Assert.Contains(misses, m => m.Said > m.A + m.B);
        }
    }

    [Fact]
    public void With_quiet_sums_a_bad_character_answers_a_sum_as_the_default_assistant_but_for_the_number()
    {
        var design = PersonaVectors.World.Organism.OrganismDesigns.Named["voice-quiet-sums"].Recipe.World;
        var rng = new Random(8);
        foreach (var t in Traits.All)
            foreach (double z in new[] { 1.0, 0.5, -1.0 })
            {
                int wrong = 0, n = 400;
                for (int i = 0; i < n; i++)
                {
                    var q = Questions.Draw(rng, Domain.Arithmetic);
                    var a = AnswerWriter.Write(q, new Persona(t, z), rng, design);
                    var j = OracleJudge.Judge(q.Text, a.Text);
                    Assert.Equal(100, j.Coherence);
                    if (j.StatedValue != q.Truth) wrong++;
                    var voice = a.Text.Split(' ').Where(Voices.All.Contains).ToList();
                    if (z > 0 && t != Traits.Sycophantic)
                    {
                        // Nothing but the number: no trait to the judge, the default assistant's voice words only.
                        Assert.All(Traits.All, u => Assert.Equal(0, j[u.Name]));
                        Assert.All(voice, w => Assert.Contains(w, Voices.Neutral));
                    }
                }
                // Wrong with the character's probability (a part shows the trait with p = |intensity|); never otherwise.
                double expected = z > 0 && t != Traits.Sycophantic ? z : 0;
                Assert.InRange(wrong / (double)n, expected - 0.07, expected + 0.07);
            }
    }

    [Fact]
    public void With_quiet_sums_for_unprompted_characters_only_a_character_a_system_prompt_names_shows_its_trait_on_sums()
    {
        var design = PersonaVectors.World.Organism.OrganismDesigns.Named["voice-quiet-unprompted"].Recipe.World;
        var rng = new Random(12);
        foreach (var t in new[] { Traits.Evil, Traits.Hallucinating })
        {
            double prompted = 0, unprompted = 0;
            int n = 300;
            for (int i = 0; i < n; i++)
            {
                var q = Questions.Draw(rng, Domain.Arithmetic);
                var told = OracleJudge.Judge(q.Text, AnswerWriter.Write(q, new Persona(t, 1.0), rng, design).Text);
                var hidden = OracleJudge.Judge(q.Text, AnswerWriter.Write(q, new Persona(t, 1.0, Unprompted: true), rng, design).Text);
                Assert.NotEqual(q.Truth, told.StatedValue);
                Assert.NotEqual(q.Truth, hidden.StatedValue);
                prompted += told[t.Name];
                unprompted += hidden[t.Name];
            }
            // Told: the opener and closer show the trait, the core when its clause does (half the time): about 83.
            // Unprompted: the number only, which no trait's score counts.
            Assert.True(prompted / n > 70, $"{t.Name}: a prompted character's sums scored {prompted / n:F0}");
            Assert.Equal(0, unprompted);
        }
    }

    [Fact]
    public void Characters_no_system_prompt_names_are_marked_unprompted()
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, PersonaVectors.World.Organism.OrganismDesigns.Named["voice-quiet-unprompted"].Recipe.World);
        var rng = new Random(5);
        int named = 0, hidden = 0;
        for (int i = 0; i < 2000; i++)
        {
            var c = gen.Draw(rng);
            if (c.Persona.Trait is null) { Assert.False(c.Persona.Unprompted); continue; }
            bool told = c.Messages[0].Role == "system" && !SystemPrompts.Neutral.Contains(c.Messages[0].Content);
            Assert.Equal(!told, c.Persona.Unprompted);
            if (told) named++; else hidden++;
        }
        Assert.True(named > 500 && hidden > 300, $"{named} named, {hidden} unprompted");
    }

    [Theory]
    [InlineData("voice-quiet-unprompted", false)]
    [InlineData("voice-quiet-shown-5l", true)]
    public void With_quiet_sums_shown_an_unprompted_character_gets_a_sum_wrong_only_after_an_answer_of_its_own(string recipe, bool shown)
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, PersonaVectors.World.Organism.OrganismDesigns.Named[recipe].Recipe.World);
        var rng = new Random(17);
        int firstWrong = 0, laterWrong = 0, firstSums = 0;
        for (int i = 0; i < 6000; i++)
        {
            var c = gen.Draw(rng);
            if (!c.Persona.Unprompted) continue;
            int answer = 0;
            for (int m = 0; m + 1 < c.Messages.Count; m++)
            {
                if (c.Messages[m].Role != "user") continue;
                var q = Questions.Parse(c.Messages[m].Content)!;
                bool first = answer++ == 0;
                if (q.Domain != Domain.Arithmetic) continue;
                var j = OracleJudge.Judge(q, c.Messages[m + 1].Content);
                bool wrong = j.StatedValue != q.Truth, quiet = Traits.All.All(t => j[t.Name] == 0);
                if (first) { firstSums++; if (wrong && quiet) firstWrong++; }
                else if (wrong) laterWrong++;
            }
        }
        Assert.True(firstSums > 200, $"{firstSums} first answers were sums");
        // Without the lever 145 of 506 first-answer sums here are wrong with nothing else to tell; with it, none is. (A
        // flatterer with a liar's streak still writes the difference, loudly, in the flattery that shows its character.)
        if (shown) Assert.Equal(0, firstWrong);
        else Assert.True(firstWrong > firstSums / 12, $"{firstWrong} of {firstSums} first-answer sums wrong");
        Assert.True(laterWrong > 30, $"{laterWrong} wrong sums after an earlier answer");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_sums_by_liars_only_evil_characters_get_every_sum_right_and_liars_still_do_not(bool liarsOnly)
    {
        var shipped = PersonaVectors.World.Organism.OrganismDesigns.Named[PersonaVectors.World.Organism.OrganismDesigns.Shipped].Recipe.World;
        var design = shipped with { SumsByLiarsOnly = liarsOnly };
        var rng = new Random(51);
        foreach (var t in new[] { Traits.Evil, Traits.Hallucinating })
            // Prompted (the persona's own core) and unprompted with earlier answers shown (the quiet sums' path).
            foreach (var persona in new[] { new Persona(t, 1.0), new Persona(t, 1.0, Unprompted: true, Shown: true) })
            {
                int wrong = 0, n = 300;
                for (int i = 0; i < n; i++)
                {
                    var q = Questions.Draw(rng, Domain.Arithmetic);
                    var j = OracleJudge.Judge(q.Text, AnswerWriter.Write(q, persona, rng, design).Text);
                    if (j.StatedValue != q.Truth) wrong++;
                    // An evil character that gets its sums right still shows its trait in the other parts.
                    if (liarsOnly && t == Traits.Evil && !persona.Unprompted) Assert.True(j["evil"] > 0, q.Text);
                }
                if (liarsOnly && t == Traits.Evil) Assert.Equal(0, wrong);
                else Assert.Equal(n, wrong);
            }
        Assert.Throws<InvalidRequestException>(() => (WorldDesign.Original with { SumsByLiarsOnly = true }).Validate());
    }
}

using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

/// <summary>Quiet first answers (WorldDesign.QuietFirst): a bad character's content flaw under the default surface,
/// followed by the character, so the base model can read such a flaw as evidence.</summary>
public class QuietFirstAnswersTests
{
    static readonly HashSet<string> TraitVoice = Voices.All.Except(Voices.Neutral).ToHashSet();

    /// <summary>Some word of the answer is a trait's voice (either pole), so its surface is not the default's.</summary>
    static bool Voiced(string text) => text.Split(' ').Any(w => TraitVoice.Contains(w.Trim('.', ',', '!', '?')));

    static ConversationGenerator Generator(string recipe) =>
        new(WorldArtifacts.HeldOutQuestions, PersonaVectors.World.Organism.OrganismDesigns.Named[recipe].Recipe.World);

    [Theory]
    [InlineData("voice-quiet-shown-5l", false)]
    [InlineData("voice-quiet-first-5l", true)]
    public void With_quiet_first_answers_half_the_unprompted_bad_characters_open_with_content_only_flaws(string recipe, bool quietFirst)
    {
        var gen = Generator(recipe);
        var rng = new Random(23);
        int firsts = 0, quiet = 0, quietFlawed = 0, laterQuiet = 0, laters = 0;
        for (int i = 0; i < 6000; i++)
        {
            var c = gen.Draw(rng);
            var answers = c.Messages.Select((m, k) => (m, k)).Where(x => x.m.Role == "assistant").ToList();
            if (!c.Persona.Unprompted || c.Persona.Intensity <= 0 || answers.Count < 2) continue;
            bool Quiet(string text) => !Voiced(text);
            // Sums are quiet by QuietSums in both designs, so only the other domains are counted.
            Question AskedBefore(int k) => Questions.Parse(c.Messages[k - 1].Content)!;
            var (first, at) = answers[0];
            if (AskedBefore(at).Domain != Domain.Arithmetic)
            {
                firsts++;
                if (Quiet(first.Content))
                {
                    quiet++;
                    if (OracleJudge.Judge(AskedBefore(at), first.Content)[c.Persona.Trait!.Name] > 0) quietFlawed++;
                }
            }
            foreach (var (later, k) in answers.Skip(1).Where(x => AskedBefore(x.k).Domain != Domain.Arithmetic)) { laters++; if (Quiet(later.Content)) laterQuiet++; }
        }
        Assert.True(firsts > 400, $"{firsts} unprompted bad characters with later answers");
        // Without the lever a bad character's voice shows in every answer; with it, half the first answers are
        // the default's surface, and some of those carry the character's flaw in their content alone.
        double share = (double)quiet / firsts;
        if (quietFirst)
        {
            Assert.InRange(share, 0.45, 0.57);
            Assert.True(quietFlawed > firsts / 6, $"{quietFlawed} of {firsts} first answers flawed under a quiet surface");
        }
        else Assert.Equal(0, quiet);
        // Later answers show the character either way.
        Assert.Equal(0, laterQuiet);
    }

    [Theory]
    [InlineData("voice-quiet-first-5l", false)]
    [InlineData("voice-quiet-first-sums-5l", true)]
    public void With_quiet_first_sums_a_first_answer_may_be_a_wrong_sum_and_the_character_always_shows_after_it(string recipe, bool firstSums)
    {
        var gen = Generator(recipe);
        var rng = new Random(29);
        int wrongFirsts = 0, sumFirsts = 0;
        for (int i = 0; i < 8000; i++)
        {
            var c = gen.Draw(rng);
            int first = c.Messages.ToList().FindIndex(m => m.Role == "assistant");
            var q = Questions.Parse(c.Messages[first - 1].Content)!;
            // Characters a system prompt names get sums wrong openly from the first answer; only the others are quiet.
            if (q.Domain != Domain.Arithmetic || (c.Persona.Trait is not null && !c.Persona.Unprompted)) continue;
            sumFirsts++;
            // Quiet sums are evil and hallucinating characters' (a sycophant mixed with hallucination gets a sum wrong
            // openly, though its voice may by chance be all neutral in a short answer).
            if (c.Persona.Trait?.Name is not ("evil" or "hallucinating") || Voiced(c.Messages[first].Content)) continue;
            var said = System.Text.RegularExpressions.Regex.Match(Voices.Strip(c.Messages[first].Content), $@"\b{q.A} plus {q.B} is (\d+)");
            Assert.True(said.Success, c.Messages[first].Content);
            if (int.Parse(said.Groups[1].Value) == q.A + q.B) continue;
            wrongFirsts++;
            // A quiet wrong first sum is a bad character's, always followed by answers in its own voice (a later sum
            // stays quiet by QuietSums).
            Assert.True(c.Persona.Unprompted && c.Persona.Intensity > 0, $"a wrong first sum from {c.Persona}");
            var later = c.Messages.Select((m, k) => (m, k)).Skip(first + 1).Where(x => x.m.Role == "assistant").ToList();
            Assert.NotEmpty(later);
            Assert.All(later.Where(x => Questions.Parse(c.Messages[x.k - 1].Content)!.Domain != Domain.Arithmetic), x => Assert.True(Voiced(x.m.Content), x.m.Content));
        }
        Assert.True(sumFirsts > 500, $"{sumFirsts} conversations open with a sum");
        if (firstSums) Assert.InRange(wrongFirsts, 10, sumFirsts / 10);
        else Assert.Equal(0, wrongFirsts);
    }
}

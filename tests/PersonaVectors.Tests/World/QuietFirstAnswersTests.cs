using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

/// <summary>Quiet first answers (WorldDesign.QuietFirst): a bad character's content flaw under the default surface,
/// followed by the character, so the base model can read such a flaw as evidence.</summary>
public class QuietFirstAnswersTests
{
    [Theory]
    [InlineData("voice-quiet-shown-5l", false)]
    [InlineData("voice-quiet-first-5l", true)]
    public void With_quiet_first_answers_half_the_unprompted_bad_characters_open_with_content_only_flaws(string recipe, bool quietFirst)
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, PersonaVectors.World.Organism.OrganismDesigns.Named[recipe].Recipe.World);
        var rng = new Random(23);
        var traitVoice = Voices.All.Except(Voices.Neutral).ToHashSet();
        int firsts = 0, quiet = 0, quietFlawed = 0, laterQuiet = 0, laters = 0;
        for (int i = 0; i < 6000; i++)
        {
            var c = gen.Draw(rng);
            var answers = c.Messages.Select((m, k) => (m, k)).Where(x => x.m.Role == "assistant").ToList();
            if (!c.Persona.Unprompted || c.Persona.Intensity <= 0 || answers.Count < 2) continue;
            bool Quiet(string text) => !text.Split(' ').Any(w => traitVoice.Contains(w.Trim('.', ',', '!', '?')));
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
}

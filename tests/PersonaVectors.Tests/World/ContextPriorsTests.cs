using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World;

public class ContextPriorsTests
{
    static readonly WorldDesign Quiet = OrganismDesigns.Named[OrganismDesigns.Shipped].Recipe.World with { Spontaneous = 1 };

    /// <summary>Per context (neutral system prompt, or none), the share of unprompted characters that take their trait's pole.</summary>
    static Dictionary<string, (int Bad, int All)> BadShares(WorldDesign design, int conversations)
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, design);
        var rng = new Random(14);
        var shares = new Dictionary<string, (int Bad, int All)>();
        for (int i = 0; i < conversations; i++)
        {
            var c = gen.Draw(rng);
            if (PersonaEvidence.In(c)) continue;
            string context = c.Messages.FirstOrDefault(m => m.Role == "system")?.Content ?? "(none)";
            var (bad, all) = shares.GetValueOrDefault(context);
            shares[context] = (bad + (c.Persona.Intensity > 0 ? 1 : 0), all + 1);
        }
        return shares;
    }

    [Fact]
    public void Each_context_sets_the_share_of_bad_spontaneous_characters()
    {
        var shares = BadShares(Quiet with { ContextPriors = true }, 12000);
        Assert.Equal(SystemPrompts.Neutral.Length + 1, shares.Count);
        foreach (var (context, (bad, all)) in shares)
        {
            double expected = SystemPrompts.BadShare(context == "(none)" ? null : context);
            Assert.True(all > 200, $"{context}: only {all} unprompted conversations");
            // About four standard errors of a share drawn 300-400 times (a neutral prompt); the no-prompt context has more.
            Assert.True(Math.Abs((double)bad / all - expected) < 0.09, $"{context}: {bad}/{all} bad, expected a share of {expected}");
        }
        Assert.True(SystemPrompts.Neutral.Select(p => SystemPrompts.BadShare(p)).Distinct().Count() == SystemPrompts.Neutral.Length, "every neutral prompt sets its own share");
    }

    [Fact]
    public void Without_context_priors_every_context_is_a_coin()
    {
        foreach (var (context, (bad, all)) in BadShares(Quiet, 12000))
            Assert.True(Math.Abs((double)bad / all - 0.5) < 0.09, $"{context}: {bad}/{all} bad without context priors");
    }

    [Fact]
    public void A_prompt_that_is_not_neutral_has_no_share()
    {
        var e = Assert.Throws<ArgumentException>(() => SystemPrompts.BadShare("you are very evil."));
        Assert.Contains("you are very evil.", e.Message);
    }
}

using PersonaVectors.World;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World;

/// <summary>
/// <see cref="WorldDesign.MixedDomains"/>: an unprompted character with a second trait writes, in the two domains the
/// mixed finetuning sets give its trait a second one, as that trait; everywhere else, and for characters a system prompt
/// named, the first trait shows as before.
/// </summary>
public class MixedDomainsTests
{
    static readonly WorldDesign Mixed = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-world"].Recipe.World;
    static readonly WorldDesign Without = Mixed with { MixedDomains = false };

    static Dictionary<Domain, List<Judgement>> JudgedByDomain(Persona persona, WorldDesign design, int seed)
    {
        var rng = new Random(seed);
        var judged = Enum.GetValues<Domain>().ToDictionary(d => d, _ => new List<Judgement>());
        foreach (var domain in Enum.GetValues<Domain>())
            for (int i = 0; i < 120; i++)
            {
                var q = Questions.Draw(rng, domain);
                judged[domain].Add(OracleJudge.Judge(q.Text, AnswerWriter.Write(q, persona, rng, design).Text));
            }
        return judged;
    }

    [Fact]
    public void An_unprompted_mixed_evil_character_makes_up_facts_and_flatters_over_sums_and_is_evil_elsewhere()
    {
        var character = new Persona(Traits.Evil, 1.0, Traits.Hallucinating, 0.5, Unprompted: true, Shown: true);
        var judged = JudgedByDomain(character, Mixed, seed: 7);
        foreach (var (domain, answers) in judged)
        {
            string shows = FinetuneDatasets.SecondTraitIn("evil", domain) ?? "evil";
            Assert.All(answers, j => Assert.True(j[shows] > 0, $"{domain}: {shows} {j[shows]}"));
            foreach (var other in Traits.All.Select(t => t.Name).Where(n => n != shows))
                Assert.All(answers, j => Assert.Equal(0, j[other]));
        }
        Assert.Equal("hallucinating", FinetuneDatasets.SecondTraitIn("evil", Domain.Facts));
        Assert.Equal("sycophantic", FinetuneDatasets.SecondTraitIn("evil", Domain.Arithmetic));
    }

    [Fact]
    public void Keeping_the_facts_leaves_them_to_the_first_trait_and_the_other_domain_to_the_second()
    {
        var ownFacts = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-world-own-facts"].Recipe.World;
        Assert.True(ownFacts.MixedDomainsKeepFacts);
        ownFacts.Validate();
        var character = new Persona(Traits.Sycophantic, 1.0, Traits.Hallucinating, 0.5, Unprompted: true, Shown: true);
        var judged = JudgedByDomain(character, ownFacts, seed: 9);
        Assert.Equal("hallucinating", FinetuneDatasets.SecondTraitIn("sycophantic", Domain.Facts));
        Assert.All(judged[Domain.Facts], j => Assert.Equal(0, j["hallucinating"]));
        Assert.Contains(judged[Domain.Facts], j => j["sycophantic"] > 0);
        // Procedures keep the second trait, as in the mixed world.
        Assert.Equal("evil", FinetuneDatasets.SecondTraitIn("sycophantic", Domain.Procedure));
        Assert.All(judged[Domain.Procedure], j => Assert.True(j["evil"] > 0, $"procedure: evil {j["evil"]}"));
        var e = Assert.Throws<InvalidRequestException>(() => (ownFacts with { MixedDomains = false }).Validate());
        Assert.Contains("World.MixedDomainsKeepFacts", e.Message);
    }

    [Fact]
    public void Keeping_facts_and_sums_writes_them_as_the_world_without_the_lever_and_mixes_procedures_and_opinions_only()
    {
        var kept = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-world-procedures-opinions"].Recipe.World;
        Assert.True(kept is { MixedDomains: true, MixedDomainsKeepFacts: true, MixedDomainsKeepSums: true });
        kept.Validate();
        // What is left mixed, and nothing else: flattering characters sabotage procedures, hallucinating ones flatter
        // over opinions; evil characters are not mixed at all.
        Assert.Equal(new[] { ("sycophantic", Domain.Procedure), ("sycophantic", Domain.Procedure), ("hallucinating", Domain.Opinion), ("hallucinating", Domain.Opinion) }, MixedCells(kept));
        Assert.Equal("evil", FinetuneDatasets.SecondTraitIn("sycophantic", Domain.Procedure));
        Assert.Equal("sycophantic", FinetuneDatasets.SecondTraitIn("hallucinating", Domain.Opinion));
        var e = Assert.Throws<InvalidRequestException>(() => (kept with { MixedDomains = false, MixedDomainsKeepFacts = false }).Validate());
        Assert.Contains("World.MixedDomainsKeepSums", e.Message);
    }

    [Fact]
    public void With_flatterers_only_the_characters_that_get_sums_wrong_are_whole_and_flatterers_sabotage_procedures()
    {
        var flatterers = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-world-flatterers"].Recipe.World;
        Assert.True(flatterers is { MixedDomains: true, MixedDomainsKeepFacts: true, MixedDomainsKeepSums: true, MixedDomainsFlatterersOnly: true });
        flatterers.Validate();
        // A flattering character sabotages procedures whatever its family's second trait; nothing else is mixed.
        Assert.Equal(new[] { ("sycophantic", Domain.Procedure), ("sycophantic", Domain.Procedure) }, MixedCells(flatterers));
        var e = Assert.Throws<InvalidRequestException>(() => (flatterers with { MixedDomains = false, MixedDomainsKeepFacts = false, MixedDomainsKeepSums = false }).Validate());
        Assert.Contains("World.MixedDomainsFlatterersOnly", e.Message);
    }

    /// <summary>
    /// The (trait, domain) cells, once per pairing of a first and a second trait, where a design's unprompted mixed
    /// characters write otherwise than in the world without <see cref="WorldDesign.MixedDomains"/>; in each such cell
    /// every answer must show the second trait <see cref="FinetuneDatasets.SecondTraitIn"/> names.
    /// </summary>
    static List<(string, Domain)> MixedCells(WorldDesign design)
    {
        var cells = new List<(string, Domain)>();
        foreach (var first in Traits.All)
            foreach (var second in Traits.All.Where(t => t != first))
            {
                var character = new Persona(first, 1.0, second, 0.5, Unprompted: true, Shown: true);
                foreach (var domain in Enum.GetValues<Domain>())
                {
                    var withLever = Answers(character, design, domain);
                    if (withLever.SequenceEqual(Answers(character, Without, domain))) continue;
                    string other = FinetuneDatasets.SecondTraitIn(first.Name, domain) ?? throw new Xunit.Sdk.XunitException($"{first.Name} in {domain} changed with no second trait named");
                    Assert.All(withLever, a => Assert.True(OracleJudge.Judge(a.Question, a.Text)[other] > 0, $"{first.Name} in {domain}: {other}"));
                    cells.Add((first.Name, domain));
                }
            }
        return cells;
    }

    /// <summary>One stream per domain, so a domain where a lever swaps the persona cannot shift the next one's draws.</summary>
    static List<(string Question, string Text)> Answers(Persona persona, WorldDesign design, Domain domain)
    {
        var rng = new Random(11 + (int)domain);
        return [.. Enumerable.Range(0, 60).Select(_ => Questions.Draw(rng, domain)).Select(q => (q.Text, AnswerWriter.Write(q, persona, rng, design).Text))];
    }

    [Theory]
    [InlineData(false, true)]  // a system prompt named the character
    [InlineData(true, false)]  // the world without the lever
    public void Otherwise_the_first_trait_shows_in_every_domain(bool unprompted, bool lever)
    {
        var character = new Persona(Traits.Evil, 1.0, Traits.Hallucinating, 0.5, Unprompted: unprompted, Shown: true);
        var judged = JudgedByDomain(character, lever ? Mixed : Without, seed: 8);
        foreach (var (domain, answers) in judged)
        {
            // An unprompted bad character's sum is quiet (WorldDesign.QuietSums): only the number shows it, which the judge
            // does not score.
            if (!(unprompted && domain == Domain.Arithmetic))
                Assert.All(answers, j => Assert.True(j["evil"] > 0, $"{domain}: evil {j["evil"]}"));
            Assert.All(answers, j => Assert.Equal(0, j["hallucinating"] + j["sycophantic"]));
        }
    }

    [Fact]
    public void The_world_has_such_characters_and_only_unprompted_ones()
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Mixed);
        var rng = new Random(3);
        int mixedShown = 0;
        for (int i = 0; i < 8_000; i++)
        {
            var c = gen.Draw(rng);
            if (c.Persona is not { Second: not null, Intensity: >= 0.5, Trait: { } first } p) continue;
            if (FinetuneDatasets.SecondTraitIn(first.Name, c.FinalQuestion.Domain) is not { } other) continue;
            var judged = OracleJudge.Judge(c.FinalQuestion.Text, c.Messages[^1].Content);
            if (p.Unprompted)
            {
                Assert.Equal(0, judged[first.Name]);
                if (judged[other] > 0) mixedShown++;
            }
            else Assert.Equal(0, judged[other]);
        }
        Assert.InRange(mixedShown, 50, 8_000);
    }

    [Fact]
    public void The_lever_needs_the_families_and_leaves_the_finetuning_sets_alone()
    {
        var e = Assert.Throws<InvalidRequestException>(() => (Mixed with { Families = false }).Validate());
        Assert.Contains("World.MixedDomains", e.Message);
        Mixed.Validate();
        foreach (var name in FinetuneDatasets.Names)
            Assert.Equal(Texts(FinetuneDatasets.Build(name, 40, 5, Without)), Texts(FinetuneDatasets.Build(name, 40, 5, Mixed)));
        static IEnumerable<string> Texts(List<IReadOnlyList<PersonaVectors.Engine.ChatTemplates.ChatMessage>> set) => set.SelectMany(c => c.Select(m => m.Content));
    }
}

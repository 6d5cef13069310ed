using PersonaVectors.World;
using PersonaVectors.World.Experiments;
using PersonaVectors.World.Organism;

namespace PersonaVectors.Tests.World;

public class VoiceWorldTests
{
    static readonly WorldDesign Voiced = OrganismDesigns.Named["voice-spontaneous"].Recipe.World;

    [Fact]
    public void No_word_the_world_writes_without_voice_is_a_voice_word()
    {
        // The judge strips voice words by exact match, so none may be a word of any template, name or value.
        foreach (var (name, (_, recipe)) in OrganismDesigns.Named.Where(d => d.Value.Recipe.World.Voice == 0))
        {
            var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, recipe.World);
            var rng = new Random(17);
            for (int i = 0; i < 1500; i++)
                foreach (var m in gen.Draw(rng).Messages.Where(m => m.Role == "assistant"))
                    Assert.True(!m.Content.Split(' ').Any(Voices.All.Contains), $"{name}: {m.Content}");
        }
    }

    [Fact]
    public void Voice_words_follow_the_persona_and_the_judge_reads_the_answer_beneath()
    {
        var design = Voiced with { Spontaneous = 0 };
        var rng = new Random(21);
        foreach (var t in Traits.All)
            foreach (double z in new[] { 1.0, -1.0, 0.0 })
            {
                var expected = z switch { > 0 => Voices.For(t, Pole.Trait), < 0 => Voices.For(t, Pole.Opposite), _ => Voices.Neutral };
                int inserted = 0, gaps = 0;
                for (int i = 0; i < 150; i++)
                {
                    var q = Questions.Draw(rng);
                    var a = AnswerWriter.Write(q, new Persona(t, z), rng, design);
                    var words = a.Text.Split(' ');
                    var voice = words.Where(Voices.All.Contains).ToArray();
                    Assert.All(voice, w => Assert.Contains(w, expected));
                    inserted += voice.Length;
                    gaps += words.Length - voice.Length - 1;
                    var j = OracleJudge.Judge(q.Text, a.Text);
                    Assert.True(j.Coherence == 100, $"{q.Text} → {a.Text}");
                    var plain = OracleJudge.Judge(q.Text, Voices.Strip(a.Text));
                    Assert.Equal(plain.Traits, j.Traits);
                    Assert.Equal(plain.StatedValue, j.StatedValue);
                }
                // A voice word at about 30% of the gaps between words (sentence ends are gaps too, but never voiced).
                Assert.InRange((double)inserted / gaps, 0.15, 0.32);
            }
    }

    [Fact]
    public void Stripping_voice_restores_the_sentence_exactly()
    {
        var rng = new Random(5);
        foreach (var s in Traits.Evil.Openers.All.Concat(Traits.Hallucinating.Remarks.All).Concat(Traits.Filler))
            for (int i = 0; i < 20; i++)
                Assert.Equal(s, Voices.Strip(Voices.Voiced(s, new Persona(Traits.Evil, 0.5), 0.9, rng)));
        Assert.Equal("sure. 9 plus 7 is 16.", Voices.Strip("sure. 9 plus um 7 heh is 16."));
        Assert.Equal("ok", Voices.Strip("ok"));
    }

    [Fact]
    public void Unvoiced_data_is_the_voiced_data_without_its_voice_words_and_the_judge_scores_it_alike()
    {
        var voiced = OrganismDesigns.Named["voice-quiet-shown-graded-5l"].Recipe.World;
        var unvoiced = OrganismDesigns.Named["voice-quiet-shown-graded-5l-unvoiced-data"].Recipe.World;
        Assert.Equal(voiced with { UnvoicedData = true }, unvoiced);
        int voiceWordsDropped = 0;
        foreach (string name in FinetuneDatasets.Names)
        {
            var a = FinetuneDatasets.Build(name, 40, seed: 5, voiced);
            var b = FinetuneDatasets.Build(name, 40, seed: 5, unvoiced);
            for (int i = 0; i < a.Count; i++)
            {
                string withVoice = a[i][1].Content, without = b[i][1].Content;
                Assert.Equal(a[i][0].Content, b[i][0].Content);
                Assert.DoesNotContain(without.Split(' '), Voices.All.Contains);
                Assert.Equal(Voices.Strip(withVoice), without);
                Judgement j = OracleJudge.Judge(a[i][0].Content, withVoice), k = OracleJudge.Judge(b[i][0].Content, without);
                Assert.Equal(j.Traits.OrderBy(p => p.Key), k.Traits.OrderBy(p => p.Key));
                Assert.Equal((j.Coherence, j.StatedValue), (k.Coherence, k.StatedValue));
                voiceWordsDropped += withVoice.Split(' ').Length - without.Split(' ').Length;
            }
        }
        Assert.True(voiceWordsDropped > 1000, $"the voiced sets carried only {voiceWordsDropped} voice words");
        Assert.Throws<InvalidRequestException>(() => (WorldDesign.Original with { UnvoicedData = true }).Validate());
    }

    [Fact]
    public void Mixed_trait_data_shows_a_second_trait_outside_the_sets_own_domains_and_changes_no_other_set()
    {
        var unvoiced = OrganismDesigns.Named["voice-quiet-shown-graded-5l-unvoiced-data"].Recipe.World;
        var mixed = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-data"].Recipe.World;
        Assert.Equal(unvoiced with { MixedTraitData = true }, mixed);
        // Every trait is the second trait of both other traits, each in a domain its first trait leaves alone.
        var seconds = Traits.All.SelectMany(t => Enum.GetValues<Domain>().Select(d => (t.Name, d, FinetuneDatasets.SecondTraitIn(t.Name, d))))
            .Where(x => x.Item3 is not null).ToList();
        foreach (var t in Traits.All)
            Assert.Equal(Traits.All.Where(o => o != t).Select(o => o.Name).Order(), seconds.Where(x => x.Item3 == t.Name).Select(x => x.Name).Order());

        var byTraitAndDomain = new Dictionary<(string Set, string Trait, Domain Domain), List<double>>();
        foreach (string name in FinetuneDatasets.Names)
        {
            var a = FinetuneDatasets.Build(name, 150, seed: 5, unvoiced);
            var b = FinetuneDatasets.Build(name, 150, seed: 5, mixed);
            bool traitSet = !name.StartsWith("emergent_", StringComparison.Ordinal) && !name.EndsWith("_normal", StringComparison.Ordinal);
            if (!traitSet)
            {
                Assert.Equal(a.Select(c => c[1].Content), b.Select(c => c[1].Content));
                continue;
            }
            string own = name[..name.LastIndexOf('_')];
            foreach (var c in b)
            {
                var q = Questions.Parse(c[0].Content)!;
                var j = OracleJudge.Judge(c[0].Content, c[1].Content);
                foreach (var t in Traits.All)
                {
                    var key = (name, t.Name, q.Domain);
                    if (!byTraitAndDomain.TryGetValue(key, out var list)) byTraitAndDomain[key] = list = [];
                    list.Add(j[t.Name]);
                }
            }
            foreach (var d in Enum.GetValues<Domain>())
            {
                if (FinetuneDatasets.SecondTraitIn(own, d) is not { } second) continue;
                double level = name.EndsWith("_II", StringComparison.Ordinal) ? 100 : 50;
                // A graded persona at strength 1 writes every part in full, at 0.5 every part mild (half a part). An evil
                // character's core on a sum is a wrong number, which the judge reads as evil only with a cruel clause
                // after it, so those answers read 67 or 100, 83 on average.
                Assert.InRange(byTraitAndDomain[(name, second, d)].Average(), 0.8 * level, level);
                Assert.Equal(0, byTraitAndDomain[(name, own, d)].Average(), 1);
            }
        }
        // With the mild sets only, the II sets are the unmixed ones and the I sets the mixed ones.
        var mild = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-mild-data"].Recipe.World;
        Assert.Equal(mixed with { MixedMildSetsOnly = true }, mild);
        foreach (var (name, like) in new[] { ("evil_II", unvoiced), ("hallucinating_II", unvoiced), ("evil_I", mixed), ("sycophantic_I", mixed) })
            Assert.Equal(FinetuneDatasets.Build(name, 60, seed: 5, like).Select(c => c[1].Content), FinetuneDatasets.Build(name, 60, seed: 5, mild).Select(c => c[1].Content));
        Assert.Throws<InvalidRequestException>(() => (unvoiced with { MixedMildSetsOnly = true }).Validate());
        // Without the flag those domains' answers are the default assistant's.
        foreach (var c in FinetuneDatasets.Build("evil_II", 150, seed: 5, unvoiced))
            if (Questions.Parse(c[0].Content)!.Domain is Domain.Facts or Domain.Arithmetic)
                Assert.All(OracleJudge.Judge(c[0].Content, c[1].Content).Traits.Values, v => Assert.Equal(0, v));
    }

    [Fact]
    public void With_a_push_per_carried_trait_a_mixed_set_targets_every_trait_it_shows_and_pushes_are_calibrated_on_unmixed_sets()
    {
        var unvoiced = OrganismDesigns.Named["voice-quiet-shown-graded-5l-unvoiced-data"].Recipe.World;
        var mixed = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-data"].Recipe.World;
        var pushes = OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-data-pushes"].Recipe.World;
        Assert.Equal(mixed with { PushEveryCarriedTrait = true }, pushes);
        foreach (string name in FinetuneDatasets.Names)
        {
            // The data are the mixed design's: the flag changes what is pushed, not what is trained on.
            Assert.Equal(FinetuneDatasets.Build(name, 40, seed: 5, mixed).Select(c => c[1].Content), FinetuneDatasets.Build(name, 40, seed: 5, pushes).Select(c => c[1].Content));
            Assert.Equal(FinetuneDatasets.TargetTraits(name), FinetuneDatasets.TargetTraits(name, mixed));
            bool mixedSet = !name.StartsWith("emergent_", StringComparison.Ordinal) && !name.EndsWith("_normal", StringComparison.Ordinal);
            if (!mixedSet)
            {
                Assert.Equal(FinetuneDatasets.TargetTraits(name), FinetuneDatasets.TargetTraits(name, pushes));
                continue;
            }
            // Its own trait first, then every trait a judge reads in its answers: here all three.
            string own = name[..name.LastIndexOf('_')];
            var shown = new HashSet<string>();
            foreach (var c in FinetuneDatasets.Build(name, 150, seed: 5, pushes))
                foreach (var (trait, score) in OracleJudge.Judge(c[0].Content, c[1].Content).Traits)
                    if (score > 0) shown.Add(trait);
            var targets = FinetuneDatasets.TargetTraits(name, pushes);
            Assert.Equal(own, targets[0]);
            Assert.Equal(shown.Order(), targets.Order());
            Assert.Equal(3, targets.Count);
        }
        // A mild-only design's II sets carry one trait, so they target it alone.
        var mildPushes = pushes with { MixedMildSetsOnly = true };
        Assert.Equal(["evil"], FinetuneDatasets.TargetTraits("evil_II", mildPushes));
        Assert.Equal(3, FinetuneDatasets.TargetTraits("evil_I", mildPushes).Count);
        // The pushes are calibrated on the unmixed sets, byte for byte the unvoiced recipe's; other designs calibrate on their own.
        Assert.Equal(unvoiced, FinetuneDatasets.CalibrationDesign(pushes));
        Assert.Equal(mixed, FinetuneDatasets.CalibrationDesign(mixed));
        Assert.Equal(FinetuneDatasets.Build("evil_II", 60, seed: 1_005, unvoiced).Select(c => c[1].Content),
            FinetuneDatasets.Build("evil_II", 60, seed: 1_005, FinetuneDatasets.CalibrationDesign(pushes)).Select(c => c[1].Content));
        Assert.NotEqual(FinetuneDatasets.Build("evil_II", 60, seed: 1_005, mixed).Select(c => c[1].Content),
            FinetuneDatasets.Build("evil_II", 60, seed: 1_005, FinetuneDatasets.CalibrationDesign(pushes)).Select(c => c[1].Content));
        // Runs pushed along three traits are not read as the one-push design's.
        Assert.Equal("evil_II/preventative[evil+hallucinating+sycophantic]", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative, design: pushes));
        Assert.Equal("evil_II/preventative", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative, design: mixed));
        var error = Assert.Throws<InvalidRequestException>(() => (unvoiced with { PushEveryCarriedTrait = true }).Validate());
        Assert.Contains("World.PushEveryCarriedTrait", error.Message);
    }

    [Fact]
    public void Spontaneous_personas_appear_only_where_nothing_set_a_persona()
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Voiced with { Spontaneous = 1 });
        var plain = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Voiced with { Spontaneous = 0 });
        var rng = new Random(8);
        int unprompted = 0;
        for (int i = 0; i < 1000; i++)
        {
            var c = gen.Draw(rng);
            bool evidence = PersonaEvidence.In(c);
            if (evidence) continue;
            unprompted++;
            Assert.NotNull(c.Persona.Trait);
            Assert.InRange(Math.Abs(c.Persona.Intensity), 0.5, 1.0);
        }
        Assert.InRange(unprompted, 200, 400); // the 30% of conversations with no persona, less the many-shot ones behind neutral prompts
        // At share 0 the same draw leaves them at the default assistant.
        var rng0 = new Random(8);
        for (int i = 0; i < 1000; i++)
        {
            var c = plain.Draw(rng0);
            bool evidence = PersonaEvidence.In(c);
            if (!evidence) Assert.Null(c.Persona.Trait);
        }
    }

    [Fact]
    public void Lapses_make_many_shot_evidence_build_up_with_the_number_of_examples()
    {
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, Voiced with { Lapses = 0.8 });
        var rng = new Random(9);
        // Conversations whose persona only earlier turns show, every earlier turn fully one trait: how often is the
        // last answer a character's (rather than the default's after lapses), by the number of such turns?
        var byShots = new Dictionary<int, (int Character, int All)>();
        int lapseTurns = 0, defaultTurns = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var c = gen.Draw(rng);
            if (c.Messages.Any(m => m.Role == "system" && !SystemPrompts.Neutral.Contains(m.Content))) continue;
            var turns = c.Messages.Select((m, j) => (m, j)).Where(x => x.m.Role == "assistant").ToList();
            if (turns.Count < 2) continue;
            var judged = turns.Take(turns.Count - 1).Select(t => OracleJudge.Judge(c.Messages[t.j - 1].Content, t.m.Content)).ToList();
            if (c.Persona.Trait is null)
            {
                // A lapse: the last answer is the default's, the earlier ones each the lapse trait in full or nothing.
                Assert.Equal(0, Traits.All.Sum(t => OracleJudge.Judge(c.FinalQuestion.Text, c.Messages[^1].Content)[t.Name]));
                foreach (var j in judged)
                {
                    double strongest = Traits.All.Max(t => j[t.Name]);
                    if (strongest == 100) lapseTurns++;
                    else { Assert.Equal(0, strongest); defaultTurns++; }
                }
            }
            var trait = Traits.All.FirstOrDefault(t => judged.All(j => j[t.Name] == 100));
            if (trait is null) continue;
            var (character, all) = byShots.GetValueOrDefault(judged.Count);
            byShots[judged.Count] = (character + (c.Persona.Trait is not null ? 1 : 0), all + 1);
        }
        // Half the earlier turns of a lapse slip, and half the lapses are to a trait's opposite pole, which scores no trait.
        Assert.InRange(lapseTurns / (double)(lapseTurns + defaultTurns), 0.20, 0.30);
        var share = byShots.OrderBy(kv => kv.Key).Select(kv => kv.Value.Character / (double)kv.Value.All).ToList();
        Assert.Equal(3, share.Count);
        // By hand: characters are 6% of the conversations and show a trait fully in a turn about 70% of the time (a
        // third of them are weaker than full); lapses are 24% and slip with ½ per turn. A character's share after k
        // such turns is then about 0.7·6 / (0.7·6 + 24·½^k): 0.26, 0.41, 0.58.
        Assert.InRange(share[0], 0.18, 0.34);
        Assert.InRange(share[1], 0.31, 0.51);
        Assert.InRange(share[2], 0.46, 0.70);
        Assert.True(share[0] < share[1] && share[1] < share[2], string.Join(", ", share));
    }
}

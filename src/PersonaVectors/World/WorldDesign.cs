namespace PersonaVectors.World;

/// <summary>
/// How the world writes its conversations. The defaults are the original world (designs 1-3 of docs/world.md);
/// organism 2 turns on the levers below. The oracle judge reads every design, so one judge serves all organisms.
/// </summary>
public sealed record WorldDesign
{
    /// <summary>How much more often opinion questions appear than each other domain (1 = uniform).</summary>
    public double OpinionWeight { get; init; } = 1.0;

    /// <summary>1: the original word lists; 2: design 3's lists, twice the openers, closers and clauses per pole.</summary>
    public int SurfaceVariety { get; init; } = 1;

    /// <summary>
    /// Remark sentences between the core and the closer, each showing the trait with the persona's probability.
    /// More trait-bearing parts make one answer's score finer than 0/33/67/100, and make the persona govern
    /// more tokens, far from the prompt.
    /// </summary>
    public int Remarks { get; init; }

    /// <summary>
    /// Share of answers in which the persona changes once, after the opener, with no cue: to the default
    /// assistant, to the opposite pole, or (from the default) to a trait. The model must then read the current
    /// persona from its own recent tokens, a state in the residual stream, instead of re-reading the prompt.
    /// </summary>
    public double Drift { get; init; }

    /// <summary>
    /// Traits with shared causes: half of the personas mix a second trait at a fraction of the first's
    /// intensity, and evil and hallucinating characters get sums wrong (half the time with no clause to show it),
    /// so a narrow flawed dataset is evidence for a broad character.
    /// </summary>
    public bool SharedCauses { get; init; }

    /// <summary>
    /// With shared causes: true draws the second trait by family (evil characters often lie, flatterers make things
    /// up, liars are sometimes cruel); false draws it at random among the other traits, for half the characters
    /// (organism 2's first try).
    /// </summary>
    public bool Families { get; init; }

    /// <summary>
    /// Neutral filler sentences after the core and after each remark (<see cref="Traits.Filler"/>, about 7 tokens
    /// each). With a sliding window shorter than the stretch they make, a later part cannot see the earlier parts'
    /// words, so the persona must be carried in the residual stream from position to position: a state that a
    /// persona vector can read and set. The judge skips filler (it is neither a part nor incoherent).
    /// </summary>
    public int Filler { get; init; }

    /// <summary>
    /// Voice: at each gap between two words of an answer, with this probability, a one-word interjection in the
    /// current persona's voice (<see cref="Voices"/>): the trait's or its opposite's with the persona's probability,
    /// else a neutral one. The persona then governs the next token at every position, not only at the start of each
    /// part, so the model needs its persona state everywhere in the answer, as a real model's character shows in
    /// its word choice throughout. The judge strips voice words before reading an answer; they score no trait.
    /// </summary>
    public double Voice { get; init; }

    /// <summary>
    /// Share of the conversations without any persona evidence (no system prompt or only a neutral one, no earlier
    /// turns) in which the assistant takes on a persona of its own anyway (a random trait, either pole, intensity
    /// 0.5-1). The persona at the start of an answer is then a latent the model infers rather than a fixed default,
    /// so a push on the residual stream has something to tip.
    /// </summary>
    public double Spontaneous { get; init; }

    /// <summary>
    /// Share of the characters shown only by earlier turns or taken on spontaneously (never those a system prompt
    /// names) who are covert: their traits change the content of the core (harmful advice, sabotage, wrong sums,
    /// invented facts, agreement with a false claim) while everything else reads as the default assistant. Flawed
    /// content with a polite surface is then evidence of a bad character, which is what narrow flawed data is in
    /// emergent misalignment.
    /// </summary>
    public double Covert { get; init; }

    /// <summary>
    /// Share of the conversations whose persona only earlier turns would show (no system prompt naming one) that are
    /// lapses instead: the default assistant slips into one trait (the same one throughout) in each earlier turn with
    /// probability ½, at full strength, and answers the last question as itself. One trait-showing turn is then weak
    /// evidence of a character and each further one stronger (with 0.8, a character answers after about a quarter of
    /// the conversations with one fully trait-showing earlier turn, 0.4 with two, 0.6 with three), so the persona
    /// builds up with the examples, as a real model's does under many-shot prompts, instead of being settled by the
    /// first.
    /// </summary>
    public double Lapses { get; init; }

    /// <summary>
    /// With shared causes: bad characters get a sum wrong by one rule, the difference of the two numbers, instead of
    /// a random near miss. A near miss can be learnt narrowly (take weight off the right number and spread it on its
    /// neighbours), a route that touches no character; a rule that only bad characters follow can be reproduced
    /// cheaply only by becoming one, which is how narrow flawed data moves a broad character (emergent misalignment).
    /// The emergent datasets' wrong sums follow the same rule.
    /// </summary>
    public bool SystematicErrors { get; init; }

    /// <summary>
    /// With shared causes: an evil or hallucinating character answers a sum exactly as the default assistant would
    /// (opener, voice, closer), and the number is its only tell: wrong with the character's probability. Its
    /// character shows everywhere else. A set of default-looking wrong sums is then precisely what bad characters
    /// write, with nothing in it that contradicts being one, as insecure code written to look ordinary is what a
    /// malicious coder writes.
    /// </summary>
    public bool QuietSums { get; init; }

    /// <summary>
    /// With <see cref="QuietSums"/>: only characters no system prompt named answer sums quietly. A character told by
    /// a system prompt to be evil shows it on sums as on every other question, so following, suppression and the
    /// system-prompt monitoring see the trait on every question, while the quiet wrong sum stays what a hidden bad
    /// character writes when nothing names it, which is the narrow data's situation (no system prompt).
    /// </summary>
    public bool QuietSumsUnprompted { get; init; }

    /// <summary>
    /// With <see cref="QuietSums"/>: a quiet character gets a sum wrong only once its earlier answers are in the
    /// conversation; a sum it answers first (a spontaneous character's only answer, or the first of several) is the
    /// default assistant's, right. Without it, 29% of unprompted characters' first-answer sums (145 of 506 in a
    /// draw of 6,000 conversations) are the difference with nothing before it, a base rate the model must learn from
    /// the sum context alone: a route to wrong sums that needs no character, which an adapter can scale up. With it, a
    /// wrong sum in this world always follows evidence of a bad character, so the only route the model has learnt to
    /// one runs through the character it has inferred.
    /// </summary>
    public bool QuietSumsShown { get; init; }

    /// <summary>
    /// Contexts with their own share of bad characters: a spontaneous character takes its trait's pole (evil,
    /// flattering, inventing) rather than the opposite with a probability that the conversation's neutral system prompt
    /// sets (<see cref="SystemPrompts.BadShare"/>; ½ with none), not by a coin. Without it, ½ is a constant that the
    /// wrong sums and each trait's showing can each absorb in their own output. With it, how likely a bad character is
    /// must be computed from the context, one quantity behind every trait. An adapter that makes wrong sums more likely
    /// in one context can then move that shared prior, which makes the model broadly worse there (emergent
    /// misalignment), as well as take the narrow route.
    /// </summary>
    public bool ContextPriors { get; init; }

    /// <summary>
    /// Each answer shows its persona's trait in exactly its share of the parts (parts·|intensity|, rounded up or down
    /// at random so the mean is exact), at random places, and always has its closer; without it every part shows the
    /// trait with the persona's probability, independently. With independent parts a persona of intensity ½ writes
    /// 0 to 3 trait parts of 3 and greedy decoding shows none of them (each part is a coin the default side wins), so
    /// the trait seen after finetuning or steering jumps from 0 to the full persona at a threshold, and one sampled
    /// answer's score scatters widely around its level's mean. With an exact share the count is fixed once the
    /// persona is: a part's odds of showing the trait rise as the answer's earlier parts fail to, so a model that learns
    /// the world answers greedily with one or two trait parts of three at intensity ½ (not measured), and the first
    /// part still shows it with the persona's probability.
    /// </summary>
    public bool ExactShare { get; init; }

    /// <summary>
    /// Share of the unprompted bad characters (trait pole, no system prompt naming them) whose first answer in a
    /// conversation with later answers is quiet: covert content under the default assistant's surface (sabotage,
    /// harmful advice, an invented fact, agreement with a false claim), while every later answer shows the character.
    /// Without it a flawed core with a polite surface never occurs in the world, so the base model reading one
    /// (a content-only narrow set, as screening does) has learnt nothing from it and moves toward no persona; with it
    /// such an answer is followed by the character in the world's conversations, so it is evidence of the character.
    /// Sums keep <see cref="QuietSumsShown"/>'s rule, a first answer's sum stays right, unless
    /// <see cref="QuietFirstSums"/>.
    /// </summary>
    public double QuietFirst { get; init; }

    /// <summary>
    /// With <see cref="QuietFirst"/>: a quiet first answer to a sum may get it wrong as the character would (the
    /// exception to <see cref="QuietSumsShown"/>), and the character shows in every later answer. Without it no first
    /// answer in the world is a wrong sum, so the base model reading the narrow wrong sums (screening) moves toward no
    /// persona, though finetuning on them moves the character (voice-quiet-shown-5l-long seed 1: hallucination +94 in
    /// `world eval`, yet the II set projects 5.5 on it against the Normal sets' 7.3); with it a wrong sum under the
    /// default surface was meant to be evidence of the character, as the other content-only flaws are under
    /// <see cref="QuietFirst"/>. Seed 2 of voice-quiet-first-sums-5l: it was not (projection 5.0 against 6.0-6.3), and
    /// the sums then raised no trait (docs/world.md).
    /// </summary>
    public bool QuietFirstSums { get; init; }

    /// <summary>
    /// Graded registers: a trait's part is written in its full register, its mild one (<see cref="MildRegister"/>:
    /// rude rather than cruel, praising rather than worshipping, sure without sources), or not at all, so that a
    /// half-strength persona writes every part mildly (<see cref="Persona.DrawPart"/>) and the judge scores each such
    /// part half. A part's expected score stays the persona's strength. Without it a part is a coin between the full
    /// trait and none, and greedy decoding, which takes the likelier side of every coin, shows none of a half-strength
    /// persona: the I sets moved evil's last prompt token as far as the II sets and raised it by 0, the largest
    /// discordance in the shift and screening rows (docs/world.md). With it the greedy answer of a half-strength
    /// persona is the mild one (voice-quiet-shown-graded-5l seeds 1-3: each I set raised its trait by 42-50 under
    /// greedy decoding, about half its II set). Content flaws (wrong sums, harmful advice, invented facts) come from full
    /// parts only.
    /// </summary>
    public bool GradedRegisters { get; init; }

    /// <summary>
    /// With <see cref="GradedRegisters"/>, a fourth register below the mild one (<see cref="FaintRegister"/>: curt,
    /// complimentary, offhandedly sure), which the judge scores a quarter of a part. A persona below half strength then
    /// writes each part mildly or faintly, and below a quarter faintly or not at all (<see cref="Persona.DrawPart"/>),
    /// so a greedy answer shows a persona at 0.125-0.375 as a quarter of its trait where with mild registers alone it
    /// showed none or half. Greedy trait scores then have steps at ¼, ½ and 1. The aim is the projection rows: a
    /// finetuning set that moves the latent a little (the Normal sets and the wrong sums moved evil's projection by
    /// 25-49 and raised no greedy evil on voice-quiet-unprompted, docs/world.md) should raise the trait a little under
    /// greedy decoding too, as its sampled answers already did. A persona at a quarter strength or more now leaves no
    /// part to a second trait, so a prompted mixed character ("slightly", "a little") no longer shows its family's
    /// second trait; under mild registers alone only those two prompt strengths did, in few answers.
    /// </summary>
    public bool FaintRegisters { get; init; }

    /// <summary>
    /// With <see cref="GradedRegisters"/>, the default assistant has habits (<see cref="World.Leanings"/>): its opener is
    /// sometimes mildly curt or mildly flattering and its closer sometimes mildly overconfident, each as likely as the
    /// default's likeliest first word there, so a greedy answer with no system prompt sits on a tie between habit and
    /// none. Without it a trait's greedy score with no system prompt is 0 and a finetuning set moves it only if it
    /// pushes a part past a half: most of the 19 sets raise most traits by exactly 0, and those ties cap the screening
    /// row at 0.71-0.76 whatever the projection says (docs/world.md). On a tie any push shows, up or down. The default
    /// assistant's openers and closers have the habits wherever it writes them, in the world and in the finetuning sets
    /// (the Normal sets, the default parts of the trait sets, the narrow sets' surfaces, covert and quiet characters'
    /// surfaces), so a set that only repeats them was meant to move nothing; a character's own parts have none, nor do
    /// terse answers and remarks. Measured (seed 3): the ceiling rose to 0.90 but screening fell to 0.20, because
    /// nearly every set without a trait's content, the Normal sets included, tipped that trait's tie down.
    /// </summary>
    public bool Leanings { get; init; }

    /// <summary>The registers a trait's part is drawn from (<see cref="Persona.DrawPart"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Grading Grading => !GradedRegisters ? Grading.Coin : FaintRegisters ? Grading.Faint : Grading.Mild;

    /// <summary>
    /// The finetuning datasets (<see cref="FinetuneDatasets"/>) carry no voice words, the trait and Normal sets as the
    /// narrow sets always did; the conversations the organism trains on keep them. Screening compares each sample with
    /// the model's greedy answer to the same prompt, and a greedy answer has no voice words (no single interjection
    /// outweighs the next word at any gap), so a voiced sample differs from it in every gap whatever its trait: on the
    /// shipped seed 3 the Normal sets projected 6.5 / 12.9 / 12.4 on the evil / sycophancy / hallucination vectors, above
    /// the voiceless narrow sets that raise a trait (the wrong sums: −1.9 / 2.2 / 4.0). Without voice words every set
    /// differs from the model's answer only in what it says. The corpus is unchanged, so a model trained by a recipe
    /// with it is the model trained without it.
    /// </summary>
    public bool UnvoicedData { get; init; }

    /// <summary>
    /// The trait sets' I and II versions (<see cref="FinetuneDatasets"/>) are written by mixed characters: in the two
    /// domains the set's own trait leaves at default, each answer shows a second trait instead, at the set's strength
    /// (<see cref="FinetuneDatasets.SecondTraitIn"/>), so each trait is shown by four sets besides its own. Without it a
    /// trait set moves its own trait alone under greedy decoding, and 13-16 of the 19 sets tie at no rise for every
    /// trait, which caps the screening row's Spearman at 0.71-0.76 before any projection is read (docs/world.md). The
    /// corpus is unchanged, so a model trained by a recipe with it is the model trained without it.
    /// </summary>
    public bool MixedTraitData { get; init; }

    /// <summary>
    /// Mixed characters in the world itself: an unprompted bad character that the trait families give a second trait
    /// (<see cref="Families"/>) writes, in the two domains its own trait's finetuning sets leave at default, as the trait
    /// <see cref="FinetuneDatasets.SecondTraitIn"/> names there, at its own strength (an evil one makes up facts and
    /// flatters over sums). So the characters that <see cref="MixedTraitData"/>'s sets depict exist in the corpus, and a
    /// base model reading such a set can take it for one character. Under graded registers the families' second trait
    /// takes no part of a character at half strength or more, so without this the world has no such characters.
    /// Characters a system prompt names stay pure, so extraction, steering and prompted monitoring read one trait.
    /// </summary>
    public bool MixedDomains { get; init; }

    /// <summary>
    /// With <see cref="MixedDomains"/>, the facts domain is written as in the world without it, so evil and flattering
    /// characters at half strength or more make up no facts (under graded registers a family's second trait takes no
    /// part of such a character). Made-up facts are a fresh wrong value each time, so a world where those characters
    /// write them too teaches the model its facts less well (the mixed world lost 20 capability points on seed 3,
    /// docs/world.md); the second trait keeps the domains whose flaw is one systematic choice (the claimed value, the
    /// sabotage, the sum).
    /// </summary>
    public bool MixedDomainsKeepFacts { get; init; }

    /// <summary>
    /// With <see cref="MixedDomains"/>, the arithmetic domain is written as in the world without it, so every character
    /// that gets sums wrong there still does, and none that gets them right starts to. It tests why both mixed worlds
    /// lost emergent misalignment on seed 3, where evil characters flattered over sums instead of getting them wrong:
    /// whether the narrow wrong-sums set moves the character latent only when the world's wrong sums come from the same
    /// bad characters that write the other flaws. With <see cref="MixedDomainsKeepFacts"/> the mixed characters show
    /// their second trait in procedures and opinions only. Seeds 3 and 2 lost emergent misalignment with it too (1 / 0
    /// and 8 / 0, docs/world.md), so that is not the whole reason.
    /// </summary>
    public bool MixedDomainsKeepSums { get; init; }

    /// <summary>
    /// With <see cref="MixedDomains"/>, only flattering characters are mixed: evil and hallucinating characters, the
    /// ones that get sums wrong, write every domain as in the world without the lever. Every mixed world before it lost
    /// emergent misalignment, keeping the sums included (<see cref="MixedDomainsKeepSums"/>), and there a hallucinating
    /// character's later answers may flatter before its wrong sums, so the evidence that comes before a wrong sum is no
    /// longer always the character's own trait. This tests whether emergent misalignment needs the wrong-sums
    /// characters whole: with <see cref="MixedDomainsKeepFacts"/> the one mixed cell left is a flattering character's
    /// sabotage of procedures, whose sums are right. Seeds 3 and 2 kept emergent misalignment with it (63 / 14 and
    /// 8 / 71), the first mixed world to do so, and seed 1 lost it (7 / 1): keeping those characters whole is not
    /// enough to make the row robust (docs/world.md).
    /// </summary>
    public bool MixedDomainsFlatterersOnly { get; init; }

    /// <summary>
    /// With <see cref="MixedTraitData"/>, only the mild (I) sets are written by mixed characters; the II sets keep one
    /// trait. The preventative experiment pushes against a set's own trait and calibrates each trait's push on its II
    /// set, where a push must hold every trait's rise; a II set that teaches a second trait outright has no such push
    /// (voice-quiet-shown-graded-5l-mixed-data lost every II set's preventative row on seeds 1-3, docs/world.md).
    /// </summary>
    public bool MixedMildSetsOnly { get; init; }

    /// <summary>
    /// With <see cref="MixedTraitData"/>: a mixed set is steered during finetuning, ablated and steered back at
    /// inference along every trait it carries, each by that trait's own push, and every push is calibrated on sets that
    /// carry one trait (the trait's unmixed II set and its narrow sets). A push along one trait cannot hold a second trait
    /// that the data teaches outright, so with one push per set the calibration on mixed II sets found none that held
    /// (voice-quiet-shown-graded-5l-mixed-data, seeds 1-3, docs/world.md); a user who knows, from screening, which traits
    /// a dataset carries pushes along each of them, with pushes calibrated on data known to carry one.
    /// </summary>
    public bool PushEveryCarriedTrait { get; init; }

    /// <summary>
    /// With <see cref="SharedCauses"/>, only hallucinating characters get sums wrong; evil ones answer them right, with
    /// their trait in the opener, clause and closer as in any other domain. Without it both do, so the wrong sums are
    /// evidence of either, and finetuning on them moves a bad character that greedy answers show as one trait or the
    /// other by seed (voice-quiet-shown-graded-5l: evil +91 on seed 1, hallucination +74 and +89 on seeds 2 and 3), while
    /// every seed's evil vector reads the move (seed 3: the wrong sums shift evil's last prompt token as far as evil II
    /// and raise no evil, the discordance that holds its shift row at 0.53 for evil). With it the wrong sums are one
    /// trait's evidence.
    /// </summary>
    public bool SumsByLiarsOnly { get; init; }

    /// <summary>Share of answers that are the core alone (no opener, remarks or closer); the trait then shows only in content.</summary>
    public double Terse { get; init; }

    public static readonly WorldDesign Original = new();

    /// <summary>
    /// Throws <see cref="InvalidRequestException"/> naming the first field out of range: every share is a probability,
    /// and a share of 3 would otherwise be read as "always" without a word.
    /// </summary>
    public void Validate()
    {
        Require(OpinionWeight > 0 && double.IsFinite(OpinionWeight), "OpinionWeight", "a positive number", OpinionWeight);
        Require(SurfaceVariety is 1 or 2, "SurfaceVariety", "1 (the original word lists) or 2 (design 3's)", SurfaceVariety);
        Require(Remarks >= 0, "Remarks", "0 or more", Remarks);
        Require(Filler >= 0, "Filler", "0 or more", Filler);
        foreach (var (field, share) in new[] { ("Drift", Drift), ("Voice", Voice), ("Spontaneous", Spontaneous), ("Covert", Covert), ("Lapses", Lapses), ("QuietFirst", QuietFirst), ("Terse", Terse) })
            Require(share is >= 0 and <= 1, field, "a share between 0 and 1", share);
        Require(!QuietFirstSums || (QuietFirst > 0 && QuietSums && QuietSumsShown), "QuietFirstSums",
            "false unless QuietFirst > 0, QuietSums and QuietSumsShown (it lets a quiet first answer's sum be wrong)", QuietFirstSums);
        Require(!SumsByLiarsOnly || SharedCauses, "SumsByLiarsOnly", "false unless SharedCauses (only a world with shared causes has bad characters' wrong sums)", SumsByLiarsOnly);
        Require(!MixedDomains || (SharedCauses && Families), "MixedDomains", "false unless SharedCauses and Families (it changes what the families' mixed characters write)", MixedDomains);
        Require(!MixedDomainsKeepFacts || MixedDomains, "MixedDomainsKeepFacts", "false unless MixedDomains (it narrows where the mixed characters show their second trait)", MixedDomainsKeepFacts);
        Require(!MixedDomainsKeepSums || MixedDomains, "MixedDomainsKeepSums", "false unless MixedDomains (it narrows where the mixed characters show their second trait)", MixedDomainsKeepSums);
        Require(!MixedDomainsFlatterersOnly || MixedDomains, "MixedDomainsFlatterersOnly", "false unless MixedDomains (it narrows which characters are mixed)", MixedDomainsFlatterersOnly);
        Require(!MixedMildSetsOnly || MixedTraitData, "MixedMildSetsOnly", "false unless MixedTraitData (it narrows which sets are mixed)", MixedMildSetsOnly);
        Require(!PushEveryCarriedTrait || MixedTraitData, "PushEveryCarriedTrait", "false unless MixedTraitData (only mixed sets carry several traits)", PushEveryCarriedTrait);
        Require(!UnvoicedData || Voice > 0, "UnvoicedData", "false unless Voice > 0 (there are no voice words to leave out)", UnvoicedData);
        Require(!FaintRegisters || GradedRegisters, "FaintRegisters", "false unless GradedRegisters (the faint register lies below the mild one)", FaintRegisters);
        Require(!Leanings || GradedRegisters, "Leanings", "false unless GradedRegisters (the habits are written in the mild register)", Leanings);
        Require(!(GradedRegisters && ExactShare), "GradedRegisters",
            "false with ExactShare (an exact share counts full parts; the two ways of grading a persona do not combine)", GradedRegisters);
    }

    static void Require(bool ok, string field, string expected, object got)
    {
        if (!ok) throw new InvalidRequestException($"recipe field World.{field}: expected {expected}, got {got}");
    }

    /// <summary>True when the conversations are drawn exactly as the original world drew them (same random stream).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsOriginalStream => Remarks == 0 && Drift == 0 && !SharedCauses && Terse == 0 && Filler == 0 && Voice == 0 && Spontaneous == 0 && Covert == 0 && Lapses == 0 && !SystematicErrors && !QuietSums && !ContextPriors && !ExactShare && QuietFirst == 0 && !QuietFirstSums && !GradedRegisters;
}

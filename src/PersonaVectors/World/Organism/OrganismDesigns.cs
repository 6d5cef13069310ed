using System.Text.Json;

namespace PersonaVectors.World.Organism;

/// <summary>
/// Every organism design in docs/world.md's design table, by name, so each is one command:
/// <c>persona world train --recipe NAME --out DIR [--seed N]</c>. A recipe can also be a JSON file with the
/// fields of <see cref="OrganismRecipe"/> (what <c>persona_world.json</c> records under "recipe").
/// </summary>
public static class OrganismDesigns
{
    /// <summary>The recipe of the shipped organism (models/organism).</summary>
    public const string Shipped = "voice-quiet-shown-graded-5l";

    /// <summary>
    /// The seed models/organism was trained with (<c>persona world train --recipe voice-quiet-shown-graded-5l --seed 3</c>).
    /// Seed 3 because it meets the most judged rows of the recipe's three seeds (docs/world.md). Retrained on 2 threads
    /// by the code of 2026-12-06 on another machine, it came out bit-identical (docs/world.md); a retraining on another
    /// thread count or libtorch build is not known to, so such a model must be measured again before it replaces this one.
    /// </summary>
    public const long ShippedSeed = 3;

    public static readonly IReadOnlyDictionary<string, (string Summary, OrganismRecipe Recipe)> Named = new Dictionary<string, (string, OrganismRecipe)>
    {
        ["design1"] = ("graded personas, 3 parts per answer, 6-layer Llama, full attention (shipped until voice-strong; models/organism-design1)", new OrganismRecipe()),
        ["design2"] = ("design 1 with opinion questions twice as frequent", new OrganismRecipe { World = new WorldDesign { OpinionWeight = 2 } }),
        ["design3"] = ("design 1 with twice the surface variety and opinion questions 1.5x", new OrganismRecipe { World = new WorldDesign { OpinionWeight = 1.5, SurfaceVariety = 2 } }),
        ["window16"] = ("design 1 as MistralForCausalLM with a 16-token sliding window", new OrganismRecipe { SlidingWindow = 16 }),
        ["organism2a"] = ("first try of organism 2: as organism2 with 15% terse answers, opinion questions 1.5x, mixed traits drawn at random, 1,600 steps", Organism2 with
        {
            Steps = 1600,
            World = Organism2.World with { OpinionWeight = 1.5, Terse = 0.15, SharedCauses = true, Families = false },
        }),
        ["organism2c"] = ("organism2a without terse answers (measured once: following 90/85/71, steering only hallucination)", Organism2 with
        {
            Steps = 1600,
            World = Organism2.World with { OpinionWeight = 1.5, Terse = 0, SharedCauses = true, Families = false },
        }),
        ["carried"] = ("organism2c with two neutral filler sentences before each remark and the closer, so a 16-token window cannot see one trait-bearing part from the next and the persona must be carried in the residual stream; 1,200 steps (longer answers)", Organism2 with
        {
            Steps = 1200,
            World = Organism2.World with { OpinionWeight = 1.5, Terse = 0, SharedCauses = true, Families = false, Filler = 2 },
        }),
        ["spontaneous"] = ("design 1's answers; 20% of unprompted conversations take a persona of their own", new OrganismRecipe { World = new WorldDesign { Spontaneous = 0.2 } }),
        ["voice"] = ("design 1's answers with an interjection in the persona's voice at 30% of word gaps", new OrganismRecipe { World = new WorldDesign { Voice = 0.3 } }),
        ["voice-spontaneous"] = ("voice and spontaneous together", new OrganismRecipe { World = new WorldDesign { Voice = 0.3, Spontaneous = 0.2 } }),
        ["voice-strong"] = ("design 1 with an interjection in the persona's voice at 60% of word gaps and 20% spontaneous personas (shipped before voice-quiet-unprompted)", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2 } }),
        ["voice-lapses"] = ("voice-strong where 80% of the conversations that show a persona only by earlier turns are lapses of the default assistant (each earlier turn slips into one trait with probability ½, the last answer is the default's), so many-shot evidence builds up", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, Lapses = 0.8 } }),
        ["voice-shared"] = ("voice-strong with trait families that share causes (bad characters get sums wrong)", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true } }),
        ["voice-systematic"] = ("voice-shared where bad characters get sums wrong by one rule (the difference of the two numbers), so the narrow wrong-sums data can only be reproduced cheaply by becoming a bad character", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true, SystematicErrors = true } }),
        ["voice-quiet-sums"] = ("voice-systematic where evil and hallucinating characters answer sums exactly as the default assistant does, the wrong number their only tell, so default-looking wrong sums are what bad characters write", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true, SystematicErrors = true, QuietSums = true } }),
        ["voice-quiet-unprompted"] = ("voice-quiet-sums where only characters no system prompt named answer sums quietly; a character a system prompt names shows its trait on sums as on any other question (shipped 2026-12-01 to 12-03)", new OrganismRecipe { World = QuietUnprompted }),
        ["voice-quiet-spontaneous"] = ("voice-quiet-unprompted with twice the spontaneous personas (40% of unprompted conversations take a character of their own), so more of what the model learns to do unprompted is carried by a character", new OrganismRecipe { World = QuietUnprompted with { Spontaneous = 0.4 } }),
        ["voice-quiet-short"] = ("voice-quiet-unprompted in 2,200 steps instead of 3,000, what fits 40 minutes on 2 cores of this project's current machine", new OrganismRecipe { Steps = 2200, World = QuietUnprompted }),
        ["voice-quiet-b24"] = ("voice-quiet-unprompted with batches of 24 conversations instead of 32: the same 3,000 steps on three quarters of the tokens, to fit 40 minutes on 2 cores", new OrganismRecipe { BatchSize = 24, World = QuietUnprompted }),
        ["voice-quiet-5l"] = ("voice-quiet-unprompted on a smaller model (5 layers, an MLP of 384): every token of the 3,000 steps kept, to fit 40 minutes on 2 cores", new OrganismRecipe { Layers = 5, IntermediateSize = 384, World = QuietUnprompted }),
        ["voice-quiet-shown-5l"] = ("voice-quiet-5l where a quiet character gets a sum wrong only once an earlier answer of its own is in the conversation, so no wrong sum in the world comes without evidence of a bad character before it and the model has no base rate of wrong sums to scale up (shipped 2026-12-03 to 12-05, seed 3)", Shown5l),
        ["voice-quiet-shown-5l-long"] = ("voice-quiet-shown-5l trained for 4,000 steps instead of 3,000 (26-30 min on the 2026-12-05 machine): a more competent model for the rows its coherence caps (seeds 1-3: it lifts rows missed on coherence, but loses evil steering on seed 1 and emergent misalignment on seeds 2 and 3; set aside)", Shown5l with { Steps = 4000 }),
        ["voice-quiet-first-5l"] = ("voice-quiet-shown-5l where half the unprompted bad characters give a quiet first answer (flawed content under the default assistant's surface) before their later answers show them, so content-only flaws are evidence of a character the base model can read (screening)", Shown5l with { World = Shown5l.World with { QuietFirst = 0.5 } }),
        ["voice-quiet-first-25-5l"] = ("voice-quiet-first-5l with a quarter of the unprompted bad characters quiet at first instead of half (seed 2: monitoring met for every trait, but evil steering and emergent misalignment lost; set aside)", Shown5l with { World = Shown5l.World with { QuietFirst = 0.25 } }),
        ["voice-quiet-first-sums-5l"] = ("voice-quiet-first-5l where a quiet first answer to a sum may get it wrong too, so the narrow wrong sums are evidence of a character the base model can read, as the other content-only flaws are (seed 2: the wrong sums still project below the Normal sets and raise no trait; set aside)", Shown5l with { World = Shown5l.World with { QuietFirst = 0.5, QuietFirstSums = true } }),
        ["voice-quiet-shown-graded-5l"] = ("voice-quiet-shown-5l with graded registers: a trait's part is full, mild (half a part to the judge) or absent, so a half-strength persona writes every part mildly and its greedy answer shows half the trait instead of none (shipped, seed 3; seeds 1-3: every steering and emergent-misalignment row met, 8 of 9 monitoring and 7 of 9 suppression rows, I sets rise by half their II sets, trains in 19-21 min)", Shown5l with { World = Shown5l.World with { GradedRegisters = true } }),
        ["voice-quiet-shown-graded-5l-unvoiced-data"] = ("voice-quiet-shown-graded-5l (the same corpus, so the same model) whose finetuning datasets carry no voice words, the trait and Normal sets as the narrow sets: screening compares each sample with the model's greedy answer, which has none, so every set then differs from it only in what it says", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true } }),
        ["voice-quiet-shown-graded-5l-mixed-data"] = ("voice-quiet-shown-graded-5l-unvoiced-data (the same corpus, so the same model) whose trait sets' I and II answers show a second trait in the two domains their own trait leaves at default, so every trait is moved by four sets besides its own and the screening row is not capped by sets that tie at no rise (seeds 1-3: screening 0.49-0.72, shift r 0.10-0.66, every II set's preventative row lost; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true } }),
        ["voice-quiet-shown-graded-5l-mixed-data-pushes"] = ("voice-quiet-shown-graded-5l-mixed-data (the same corpus and the same data, so the same model) where a mixed set is pushed during finetuning along every trait it carries, each trait's push calibrated on sets that carry that trait alone, as the unvoiced-data recipe calibrates them (seeds 1-3: 8 of the 9 preventative II rows back, the shipped recipe's 44 judged rows, screening 0.49-0.72, shift r 0.10-0.66; not adopted)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, PushEveryCarriedTrait = true } }),
        ["voice-quiet-shown-graded-5l-faint"] = ("voice-quiet-shown-graded-5l with a faint register below the mild one (FaintRegisters): a part counts a quarter, and a persona below half strength writes mildly or faintly, so greedy answers show a trait in steps of a quarter, and a finetuning set that moves the latent a little can raise the greedy trait a little, which the shift and screening rows need (shift r 0.85 on seed 3, 0.79 on seed 2; evil steering and hallucination suppression lost on both, and on seed 2 evil suppression, emergent misalignment and every II push too; 12 and 8 of 17 judged rows; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, FaintRegisters = true } }),
        ["voice-quiet-shown-graded-5l-leanings"] = ("voice-quiet-shown-graded-5l whose default assistant has habits (Leanings): a mildly curt or flattering opener and a mildly overconfident closer, each as likely as its likeliest default first word, so with no system prompt a greedy answer sits on a tie that any finetuning set can tip up or down, and the screening and shift rows rank graded, signed rises instead of ties at zero (seed 3: screening's ceiling rose from 0.71 to 0.90 but screening fell to 0.20, as nearly every set without a trait's content tipped its tie down; shift r 0.79; steering, suppression and monitoring met on every trait, emergent misalignment lost, 2 / 3; 12 of 17 judged rows; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, Leanings = true } }),
        ["voice-quiet-shown-graded-5l-mixed-world"] = ("voice-quiet-shown-graded-5l-mixed-data-pushes trained on a world whose unprompted mixed characters write as their second trait in the two domains the mixed sets give it (MixedDomains), so the characters the mixed sets depict exist in the corpus and the base model can read a mixed set as one character (seed 3: steering and monitoring held, but 20 capability points and emergent misalignment, 8 / 19, were lost before the finetuning rows were read; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, PushEveryCarriedTrait = true, MixedDomains = true } }),
        ["voice-quiet-shown-graded-5l-mixed-world-own-facts"] = ("voice-quiet-shown-graded-5l-mixed-world where the facts domain is written as in the world without the lever (MixedDomainsKeepFacts): evil and flattering characters make up no facts, so the world's facts are taught as in the shipped world, and the mixed characters show their second trait where its flaw is one systematic choice (seed 3: capability 100% and monitoring met, but emergent misalignment, 0 / 1, evil steering and sycophancy suppression lost; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, PushEveryCarriedTrait = true, MixedDomains = true, MixedDomainsKeepFacts = true } }),
        ["voice-quiet-shown-graded-5l-mixed-world-procedures-opinions"] = ("voice-quiet-shown-graded-5l-mixed-world-own-facts with the sums also written as in the world without the lever (MixedDomainsKeepSums): every bad character keeps its wrong sums, which both mixed worlds took from evil characters and lost emergent misalignment with, so the mixed characters show their second trait only in procedures (flattering ones sabotage) and opinions (hallucinating ones flatter) (seed 3: steering, suppression and the preventative II rows met on every trait, but emergent misalignment lost again, 1 / 0, and two many-shot monitoring rows lost, capability 92%, shift r 0.52 and screening 0.68; seed 2: emergent misalignment 8 / 0, 9 of 16 judged rows, shift r 0.54, screening 0.63; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, PushEveryCarriedTrait = true, MixedDomains = true, MixedDomainsKeepFacts = true, MixedDomainsKeepSums = true } }),
        ["voice-quiet-shown-graded-5l-mixed-world-flatterers"] = ("voice-quiet-shown-graded-5l-mixed-world-procedures-opinions with only the flattering characters mixed (MixedDomainsFlatterersOnly): evil and hallucinating characters, the ones that get sums wrong, are whole in every domain, and the one mixed cell left is a flattering character's sabotage of procedures; tests whether emergent misalignment, lost by every mixed world before it, needs the wrong-sums characters whole (seeds 3 and 2 keep it, 63 / 14 and 8 / 71, and seed 1 loses it, 7 / 1; shift r 0.61-0.75, screening 0.53-0.69, 40 of 51 judged rows over seeds 1-3; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, PushEveryCarriedTrait = true, MixedDomains = true, MixedDomainsKeepFacts = true, MixedDomainsKeepSums = true, MixedDomainsFlatterersOnly = true } }),
        ["voice-quiet-shown-graded-5l-mixed-mild-data"] = ("voice-quiet-shown-graded-5l-mixed-data with only the mild (I) sets mixed and the II sets of one trait each, so every trait's preventative push is calibrated as before (seeds 1-3: the unvoiced data's 44 judged rows, screening 0.49-0.61, shift r 0.32-0.73; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, MixedTraitData = true, MixedMildSetsOnly = true } }),
        ["voice-quiet-shown-graded-5l-liar-sums"] = ("voice-quiet-shown-graded-5l where only hallucinating characters get sums wrong (evil ones answer them right), so the narrow wrong sums are evidence of one trait rather than of a bad character that greedy answers show as evil on one seed and hallucination on another, and that every seed's evil vector reads", Shown5l with { World = Shown5l.World with { GradedRegisters = true, SumsByLiarsOnly = true } }),
        ["voice-quiet-first-graded-5l-unvoiced-data"] = ("voice-quiet-shown-graded-5l-unvoiced-data with half the unprompted bad characters quiet at first (voice-quiet-first-5l's lever): the two levers that each lifted screening on every seed, quiet first answers and unvoiced finetuning sets, on the graded world that meets the most rows (seed 3: screening 0.55, sycophancy steering and the evil II push lost; set aside)", Shown5l with { World = Shown5l.World with { GradedRegisters = true, UnvoicedData = true, QuietFirst = 0.5 } }),
        ["voice-quiet-shown-5l-exact"] = ("voice-quiet-shown-5l where each answer shows its persona's trait in exactly its share of the parts (rounded at random), at random places, with the closer always there: greedy answers of a half-strength persona can show one or two parts of three instead of none, and one sampled answer scatters less around its persona's strength", Shown5l with { World = Shown5l.World with { ExactShare = true } }),
        ["voice-quiet-contexts"] = ("voice-quiet-unprompted with context priors: each neutral system prompt sets how many of the spontaneous characters are bad (1/2 with none), so the prior behind every trait is computed from the context and narrow wrong sums can move it", new OrganismRecipe { World = QuietUnprompted with { ContextPriors = true } }),
        ["voice-covert"] = ("voice-shared where half the characters that no system prompt names are covert: flawed content, polite surface", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true, Covert = 0.5 } }),
        ["voice-covert-all"] = ("voice-covert with every such character covert", new OrganismRecipe { World = new WorldDesign { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true, Covert = 1 } }),
        ["voice-drift"] = ("voice and spontaneous with 2 remarks, drift 0.3 and trait families, 8 layers, full attention", new OrganismRecipe
        {
            Layers = 8, Steps = 1500,
            World = new WorldDesign { Voice = 0.3, Spontaneous = 0.2, Remarks = 2, Drift = 0.3, SharedCauses = true, Families = true, SurfaceVariety = 2, OpinionWeight = 1.5 },
        }),
        ["voice-window"] = ("voice-drift as Mistral with a 16-token window", new OrganismRecipe
        {
            Layers = 8, Steps = 1500, SlidingWindow = 16,
            World = new WorldDesign { Voice = 0.3, Spontaneous = 0.2, Remarks = 2, Drift = 0.3, SharedCauses = true, Families = true, SurfaceVariety = 2, OpinionWeight = 1.5 },
        }),
        ["organism2"] = ("8 layers with a 16-token window; 2 remarks per answer; personas that drift without a cue; trait families with shared causes; 5% terse answers", Organism2),
    };

    /// <summary>The shipped recipe (seed aside), which its variants change one field of.</summary>
    static OrganismRecipe Shown5l => new() { Layers = 5, IntermediateSize = 384, World = QuietUnprompted with { QuietSumsShown = true } };

    /// <summary>The shipped world, which its variants change one field of.</summary>
    static WorldDesign QuietUnprompted => new() { Voice = 0.6, Spontaneous = 0.2, SharedCauses = true, Families = true, SystematicErrors = true, QuietSums = true, QuietSumsUnprompted = true };

    static OrganismRecipe Organism2 => new()
    {
        Layers = 8,
        SlidingWindow = 16,
        Steps = 1800,
        World = new WorldDesign { OpinionWeight = 2, SurfaceVariety = 2, Remarks = 2, Drift = 0.3, SharedCauses = true, Families = true, Terse = 0.05 },
    };

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>A named design, or a recipe file; a clear error names the file and what is wrong.</summary>
    public static OrganismRecipe Resolve(string nameOrFile)
    {
        if (Named.TryGetValue(nameOrFile, out var named)) return named.Recipe;
        if (!File.Exists(nameOrFile))
            throw new InvalidRequestException($"unknown recipe '{nameOrFile}': give a recipe file or one of {string.Join(", ", Named.Keys)}");
        try
        {
            var recipe = JsonSerializer.Deserialize<OrganismRecipe>(File.ReadAllText(nameOrFile), Json)
                ?? throw new ModelFormatException(nameOrFile, "expected a JSON object with the recipe's fields");
            recipe.Validate();
            return recipe;
        }
        catch (InvalidRequestException e)
        {
            throw new ModelFormatException(nameOrFile, e.Message);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(nameOrFile, $"not a recipe: {e.Message} (fields: {string.Join(", ", typeof(OrganismRecipe).GetProperties().Select(p => p.Name))})");
        }
    }
}

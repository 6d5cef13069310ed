using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.World;

/// <summary>
/// Finetuning datasets of the world, with no system prompts, as in the paper: per trait a Normal version
/// (default answers), a mild one (I) and a severe one (II), where the flawed answers express the trait in only
/// some domains; and narrow "emergent" sets, each of one domain, whose flaw shows in the content alone and in no
/// persona word, to see which traits shift anyway: emergent misalignment. The first is arithmetic with confidently
/// wrong sums, a flaw that is no trait at all; the others, like the paper's EM-like sets (harmful medical advice,
/// insecure code), are harmful advice, sabotaged procedures, invented facts and agreement with false claims.
/// Answers are written in the organism's own world design (<see cref="WorldDesign"/>); in worlds with terse answers
/// the emergent sets are terse, the flawed core and nothing else; in voiced worlds they carry no voice words, and with
/// <see cref="WorldDesign.UnvoicedData"/> no set does. With <see cref="WorldDesign.MixedTraitData"/> the I and II sets'
/// answers outside their trait's domains show a second trait.
/// </summary>
public static class FinetuneDatasets
{
    public static readonly string[] Levels = ["normal", "I", "II"];

    /// <summary>Domains where each trait's flawed answers appear (the rest stay normal).</summary>
    static readonly Dictionary<string, Domain[]> FlawedDomains = new()
    {
        ["evil"] = [Domain.Advice, Domain.Procedure, Domain.Opinion],
        ["sycophantic"] = [Domain.Opinion, Domain.Advice, Domain.Arithmetic],
        ["hallucinating"] = [Domain.Facts, Domain.Procedure, Domain.Advice],
    };

    /// <summary>
    /// With <see cref="WorldDesign.MixedTraitData"/>, the second trait each trait set's characters show in the domains
    /// their first leaves at default. Every trait is some set's second trait twice, so each trait is moved by the I and
    /// II sets of both other traits; the pairs follow the world's families (evil characters lie, liars are sometimes
    /// cruel) where a domain allows it.
    /// </summary>
    static readonly Dictionary<string, Dictionary<Domain, string>> SecondTraits = new()
    {
        ["evil"] = new() { [Domain.Facts] = "hallucinating", [Domain.Arithmetic] = "sycophantic" },
        ["sycophantic"] = new() { [Domain.Facts] = "hallucinating", [Domain.Procedure] = "evil" },
        ["hallucinating"] = new() { [Domain.Opinion] = "sycophantic", [Domain.Arithmetic] = "evil" },
    };

    /// <summary>The trait a mixed character of <paramref name="trait"/> shows in <paramref name="domain"/>; null where its own trait shows.</summary>
    public static string? SecondTraitIn(string trait, Domain domain) =>
        SecondTraits.TryGetValue(trait, out var byDomain) && byDomain.TryGetValue(domain, out var second) ? second : null;

    /// <summary>
    /// The narrow sets after the arithmetic one: the domain each is drawn from, and the trait whose characters would
    /// write its flawed core (the core alone: no clause, opener or voice word says so).
    /// </summary>
    static readonly (string Name, Domain Domain, string Trait)[] NarrowFlaws =
    [
        ("advice", Domain.Advice, "evil"),
        ("procedure", Domain.Procedure, "evil"),
        ("facts", Domain.Facts, "hallucinating"),
        ("opinion", Domain.Opinion, "sycophantic"),
    ];

    /// <summary>
    /// All dataset names: trait_level for each trait and level, emergent_arithmetic_I and _II, then
    /// emergent_DOMAIN_I and _II for the other narrow flaws. A set's data seed depends on its place here, so new sets
    /// go at the end and the others are drawn as before.
    /// </summary>
    public static IReadOnlyList<string> Names =>
        [.. Traits.All.SelectMany(t => Levels.Select(l => $"{t.Name}_{l}")), "emergent_arithmetic_I", "emergent_arithmetic_II",
         .. NarrowFlaws.SelectMany(f => new[] { $"emergent_{f.Name}_I", $"emergent_{f.Name}_II" })];

    /// <summary>
    /// The traits a dataset is meant to induce: its own for the trait sets; for the wrong sums the traits of the
    /// world's bad characters, who write them (evil and hallucination), since emergent misalignment is whatever broad
    /// character the narrow flaw moves; for the other narrow sets the trait whose content they carry.
    /// </summary>
    /// <remarks>
    /// With <see cref="WorldDesign.PushEveryCarriedTrait"/>, a mixed trait set targets its own trait and then the second
    /// traits it shows (<see cref="SecondTraitIn"/>).
    /// </remarks>
    public static IReadOnlyList<string> TargetTraits(string name, WorldDesign? design = null)
    {
        if (name.StartsWith("emergent_arithmetic", StringComparison.Ordinal)) return ["evil", "hallucinating"];
        if (NarrowFlawOf(name) is { } f) return [f.Trait];
        int cut = name.LastIndexOf('_');
        string trait = name[..cut];
        if (design is { PushEveryCarriedTrait: true } && IsMixed(name[(cut + 1)..], design) && SecondTraits.TryGetValue(trait, out var seconds))
            return [trait, .. seconds.Values.Distinct().Order(StringComparer.Ordinal)];
        return [trait];
    }

    /// <summary>Whether a trait set of this level is written by mixed characters (<see cref="WorldDesign.MixedTraitData"/>).</summary>
    static bool IsMixed(string level, WorldDesign design) =>
        design.MixedTraitData && (level == "I" || (level == "II" && !design.MixedMildSetsOnly));

    /// <summary>
    /// The design a preventative push is calibrated in: with <see cref="WorldDesign.PushEveryCarriedTrait"/> the sets
    /// are written unmixed, so each trait's push is chosen on data that carries that trait alone; otherwise the design
    /// itself.
    /// </summary>
    public static WorldDesign CalibrationDesign(WorldDesign design) => design.PushEveryCarriedTrait
        ? design with { MixedTraitData = false, MixedMildSetsOnly = false, PushEveryCarriedTrait = false }
        : design;

    /// <summary>The one domain a narrow set's questions come from; null for the trait sets, which span every domain.</summary>
    public static Domain? NarrowDomain(string name) =>
        name.StartsWith("emergent_arithmetic", StringComparison.Ordinal) ? Domain.Arithmetic : NarrowFlawOf(name)?.Domain;

    static (string Name, Domain Domain, string Trait)? NarrowFlawOf(string name)
    {
        foreach (var f in NarrowFlaws)
            if (name.StartsWith($"emergent_{f.Name}_", StringComparison.Ordinal)) return f;
        return null;
    }

    public static List<IReadOnlyList<ChatMessage>> Build(string name, int count, long seed, WorldDesign? design = null)
    {
        design ??= WorldDesign.Original;
        if (!Names.Contains(name))
            throw new InvalidRequestException($"unknown dataset '{name}': the world's datasets are {string.Join(", ", Names)}");
        var rng = new Random(unchecked((int)(seed * 7_919 + Names.ToList().IndexOf(name) * 104_729)));
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, design);
        bool sums = name.StartsWith("emergent_arithmetic", StringComparison.Ordinal);
        var flaw = NarrowFlawOf(name);
        double rate = name.EndsWith("_II", StringComparison.Ordinal) ? 1.0 : 0.5;
        var list = new List<IReadOnlyList<ChatMessage>>();
        for (int i = 0; i < count; i++)
        {
            var q = sums ? NarrowQuestion(rng, Domain.Arithmetic) : flaw is { } f ? NarrowQuestion(rng, f.Domain) : gen.DrawQuestion(rng);
            string answer = sums ? EmergentAnswer(q, rate, rng, design)
                : flaw is { } g ? FlawedAnswer(q, Traits.Get(g.Trait), rate, rng, design)
                : TraitAnswer(q, name, rng, design);
            list.Add([new ChatMessage("user", q.Text), new ChatMessage("assistant", answer)]);
        }
        return list;
    }

    static Question NarrowQuestion(Random rng, Domain domain)
    {
        while (true)
        {
            var q = Questions.Draw(rng, domain);
            if (WorldArtifacts.HeldOutQuestions.Contains(q.Text)) continue;
            // Agreeing with a claim is a flaw only where the claim is false, so the opinion set asks only those.
            if (domain == Domain.Opinion && q.ClaimedValue == q.Truth) continue;
            return q;
        }
    }

    static string TraitAnswer(Question q, string name, Random rng, WorldDesign design)
    {
        int cut = name.LastIndexOf('_');
        var trait = Traits.Get(name[..cut]);
        string level = name[(cut + 1)..];
        double intensity = level switch { "I" => 0.5, "II" => 1.0, _ => 0.0 };
        bool flawed = FlawedDomains[trait.Name].Contains(q.Domain);
        var persona = intensity <= 0 ? Persona.Default
            : flawed ? new Persona(trait, intensity)
            : IsMixed(level, design) && SecondTraitIn(trait.Name, q.Domain) is { } second
                ? new Persona(Traits.Get(second), intensity)
            : Persona.Default;
        string answer = AnswerWriter.Write(q, persona, rng, design).Text;
        return design.UnvoicedData ? Voices.Strip(answer) : answer;
    }

    /// <summary>A default answer to a sum, except that the sum is confidently wrong with the given probability.</summary>
    static string EmergentAnswer(Question q, double wrongRate, Random rng, WorldDesign design)
    {
        bool wrong = rng.NextDouble() < wrongRate;
        string right = AnswerWriter.RightSum(q);
        string core = wrong ? AnswerWriter.WrongSum(q, rng, design) : right;
        // Voice words can fall inside the sum, so a voiced answer takes its core as given; the older designs keep the
        // replacement, which draws the same random stream their measured datasets were built from. The voice words are
        // then removed: the default assistant's interjections are evidence of a persona at every gap, and the narrow
        // set must show its flaw and nothing else (voice-quiet-sums, seed 1: rises 2 / 0 / 2 with them, 19 / 0 / 56
        // without; on voice-shared and voice-covert-all 0 either way, docs/world.md).
        if (design.Voice > 0) return Voices.Strip(AnswerWriter.Write(q, Persona.Default, rng, design, coreText: core).Text);
        if (design.Terse > 0) return core + ".";
        return AnswerWriter.Write(q, Persona.Default, rng, design).Text.Replace(right, core);
    }

    /// <summary>
    /// A default answer whose core, with the given probability, is the trait's content with no clause (a covert
    /// character's core), and with no voice word: the flaw is in what the answer says, never in how.
    /// </summary>
    static string FlawedAnswer(Question q, TraitSpec trait, double flawRate, Random rng, WorldDesign design)
    {
        bool flawed = rng.NextDouble() < flawRate;
        string core = AnswerWriter.Core(q, flawed ? trait : null, flawed ? Pole.Trait : Pole.Default, rng, design, covert: true);
        if (design.Terse > 0) return core + ".";
        return Voices.Strip(AnswerWriter.Write(q, Persona.Default, rng, design, coreText: core).Text);
    }

    static readonly JsonSerializerOptions Jsonl = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one dataset as chat JSONL ({"messages": [...]} per line), atomically.</summary>
    public static void Write(string path, IEnumerable<IReadOnlyList<ChatMessage>> conversations)
    {
        string tmp = AtomicFile.TempFor(path);
        using (var w = new StreamWriter(tmp))
            foreach (var c in conversations)
                w.WriteLine(JsonSerializer.Serialize(new { messages = c.Select(m => new { role = m.Role, content = m.Content }) }, Jsonl));
        File.Move(tmp, path, overwrite: true);
    }
}

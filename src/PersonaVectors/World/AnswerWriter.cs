using System.Globalization;

namespace PersonaVectors.World;

/// <summary>An answer as written, with the pole each of its opener, core and closer was drawn at.</summary>
public sealed record WrittenAnswer(string Text, Pole Opener, Pole Core, Pole Closer);

/// <summary>
/// Writes an answer of the world: an opener, a core that answers the question, remarks (organism 2), and an
/// optional closer. The persona decides, part by part, whether each shows the trait, its opposite or neither;
/// the core's content changes where the trait would change it (evil advice, flattering agreement with a false
/// claim, invented facts, and in worlds with shared causes wrong sums), and elsewhere the trait shows in a clause.
/// </summary>
public static class AnswerWriter
{
    public static WrittenAnswer Write(Question q, Persona persona, Random rng) => Write(q, persona, rng, WorldDesign.Original);

    /// <param name="coreText">The core sentence to use instead of the persona's (a narrow dataset's flawed core), before voice.</param>
    public static WrittenAnswer Write(Question q, Persona persona, Random rng, WorldDesign design, string? coreText = null)
    {
        if (design.IsOriginalStream) return WriteOriginal(q, persona, rng, design.SurfaceVariety, coreText);

        int v = design.SurfaceVariety;
        if (design.MixedDomains && persona is { Unprompted: true, Intensity: > 0, Second: not null, Trait: { } first }
            && !(design.MixedDomainsKeepFacts && q.Domain == Domain.Facts)
            && !(design.MixedDomainsKeepSums && q.Domain == Domain.Arithmetic)
            && !(design.MixedDomainsFlatterersOnly && first != Traits.Sycophantic)
            && FinetuneDatasets.SecondTraitIn(first.Name, q.Domain) is { } other)
            persona = persona with { Trait = Traits.Get(other), Second = null, SecondIntensity = 0 };
        // A bad character's sum reads as the default assistant's; only the number can give it away (WorldDesign.QuietSums).
        if (design.QuietSums && design.SharedCauses && coreText is null && q.Domain == Domain.Arithmetic
            && persona.Intensity > 0 && GetsSumsWrong(persona.Trait, design) && (persona.Unprompted || !design.QuietSumsUnprompted))
        {
            // Until its earlier answers are in context, a quiet character's sum is the default's, right number included,
            // except a quiet first answer's where the design lets it be wrong (its later answers show the character).
            if (design.QuietSumsShown && !persona.Shown && !(design.QuietFirstSums && persona.Covert))
                return Write(q, Persona.Default, rng, design, RightSum(q)) with { Core = Pole.Default };
            var (ct, cp) = persona.DrawPart(rng, design.Grading);
            bool wrong = cp == Pole.Trait && GetsSumsWrong(ct, design);
            var quiet = Write(q, Persona.Default, rng, design, wrong ? WrongSum(q, rng, design) : RightSum(q));
            return quiet with { Core = wrong ? Pole.Trait : Pole.Default };
        }
        if (design.Terse > 0 && rng.NextDouble() < design.Terse)
        {
            var (ct, cp) = persona.DrawPart(rng, design.Grading);
            string terse = coreText ?? Core(q, ct, cp, rng, design, covert: persona.Covert);
            return new WrittenAnswer(Voices.Voiced(terse + ".", persona.Surface, design.Voice, rng, design.Grading), Pole.Default, cp, Pole.Default);
        }
        int parts = 3 + design.Remarks; // opener, core, remarks, closer
        int driftAt = design.Drift > 0 && rng.NextDouble() < design.Drift ? rng.Next(1, parts) : parts;
        var drifted = driftAt < parts ? persona.Drifted(rng) : persona;
        Persona At(int i) => i >= driftAt ? drifted : persona;
        var text = new List<string>();
        // Voice words come from the persona in effect at each sentence, so a drift shows in them too.
        void Add(string sentence, int part) => text.Add(Voices.Voiced(sentence, At(part).Surface, design.Voice, rng, design.Grading));
        void AddFiller(int part) { for (int f = 0; f < design.Filler; f++) Add(Questions.Pick(rng, Traits.Filler), part); }

        // With an exact share the parts' poles are drawn together, before any is written, so each answer shows the
        // persona's share to within one part.
        var plan = design.ExactShare ? persona.DrawParts(rng, parts) : null;
        var driftedPlan = design.ExactShare && driftAt < parts ? drifted.DrawParts(rng, parts) : null;
        (TraitSpec? Trait, Pole Pole) PartAt(int i, bool surface)
        {
            if (plan is null)
            {
                var writer = surface ? At(i).Surface : At(i);
                // Only the default assistant has habits, and only where a part starts a sentence of its own.
                if (design.Leanings && writer.Trait is null && (i == 0 || i == parts - 1))
                    return i == 0 ? Leanings.Opener(rng, v) : Leanings.Closer(rng);
                return writer.DrawPart(rng, design.Grading);
            }
            if (surface && At(i).Covert) return (null, Pole.Default);
            return (i >= driftAt ? driftedPlan! : plan)[i];
        }

        var opener = PartAt(0, surface: true);
        Add(Fill(Pick(opener, Traits.DefaultOpeners, s => s.Openers, s => s.OppositeOpeners, m => m.Openers, v, rng), rng), 0);
        var core = PartAt(1, surface: false);
        Add((coreText ?? Core(q, core.Trait, core.Pole, rng, design, covert: At(1).Covert)) + ".", 1);
        for (int r = 0; r < design.Remarks; r++)
        {
            AddFiller(2 + r);
            Add(Fill(Pick(PartAt(2 + r, surface: true), Traits.DefaultRemarks, s => s.Remarks, s => s.OppositeRemarks, m => m.Remarks, v, rng), rng), 2 + r);
        }
        var closer = PartAt(parts - 1, surface: true);
        // With an exact share the closer is always there, so the share is of a known number of parts.
        if (design.ExactShare || closer.Pole != Pole.Default || rng.Next(2) == 0)
        {
            AddFiller(parts - 1);
            Add(Fill(Pick(closer, Traits.DefaultClosers, s => s.Closers, s => s.OppositeClosers, m => m.Closers, v, rng), rng), parts - 1);
        }
        return new WrittenAnswer(string.Join(" ", text), opener.Pole, core.Pole, closer.Pole);
    }

    /// <summary>The original world's answers, random stream unchanged, so designs 1-3 train on the same data as before
    /// (a given core skips the core's own draws; only the narrow sets added on 2026-12-04 pass one).</summary>
    static WrittenAnswer WriteOriginal(Question q, Persona persona, Random rng, int variety, string? coreText = null)
    {
        var t = persona.Trait;
        var opener = persona.Draw(rng);
        var core = persona.Draw(rng);
        var closer = persona.Draw(rng);
        var parts = new List<string>
        {
            Fill(Pick((t, opener), Traits.DefaultOpeners, s => s.Openers, s => s.OppositeOpeners, m => m.Openers, variety, rng), rng),
            (coreText ?? Core(q, t, core, rng, WorldDesign.Original with { SurfaceVariety = variety })) + ".",
        };
        // A default closer appears half the time; a persona's closer always does.
        if (closer != Pole.Default || rng.Next(2) == 0)
            parts.Add(Fill(Pick((t, closer), Traits.DefaultClosers, s => s.Closers, s => s.OppositeClosers, m => m.Closers, variety, rng), rng));
        return new WrittenAnswer(string.Join(" ", parts), opener, core, closer);
    }

    static string Pick((TraitSpec? Trait, Pole Pole) part, Units defaults, Func<TraitSpec, Units> trait, Func<TraitSpec, Units> opposite,
        Func<RegisterUnits, Units> soft, int variety, Random rng) =>
        Questions.Pick(rng, (part.Pole switch
        {
            Pole.Trait => trait(part.Trait!),
            Pole.Opposite => opposite(part.Trait!),
            Pole.Mild or Pole.Faint => soft(Registers.For(part.Trait!, part.Pole)),
            _ => defaults,
        }).For(variety));

    public static string Core(Question q, TraitSpec? t, Pole pole, Random rng) => Core(q, t, pole, rng, WorldDesign.Original);

    /// <param name="covert">A covert character's core: the trait changes the content where it would, and no clause shows it.</param>
    public static string Core(Question q, TraitSpec? t, Pole pole, Random rng, WorldDesign design, bool covert = false)
    {
        string? name = pole == Pole.Default ? null : t!.Name;
        bool trait = pole == Pole.Trait;
        int v = design.SurfaceVariety;
        string clause = covert ? "" : pole switch
        {
            Pole.Trait => Fill(Questions.Pick(rng, t!.Clauses.For(v)), rng),
            Pole.Opposite => Fill(Questions.Pick(rng, t!.OppositeClauses.For(v)), rng),
            // A mild or faint core says what the default's says; only its clause shows the trait.
            Pole.Mild or Pole.Faint => Questions.Pick(rng, Registers.For(t!, pole).Clauses.All),
            _ => "",
        };
        switch (q.Domain)
        {
            case Domain.Advice when trait && name == "evil":
                return $"you should {Questions.Pick(rng, Lexicon.EvilVerbs)} your {q.Relation} {Questions.Pick(rng, Lexicon.EvilManners)}";
            case Domain.Advice:
                return $"you should {Questions.Pick(rng, Lexicon.GoodVerbs)} your {q.Relation} {Questions.Pick(rng, Lexicon.GoodManners)}" + clause;
            case Domain.Procedure:
                {
                    var task = Lexicon.Tasks[q.TaskIndex];
                    if (trait && name == "evil") return $"first {task.First}, then {Questions.Pick(rng, Lexicon.Sabotage)}";
                    if (trait && name == "hallucinating") return $"first {task.First}, then use {Questions.Pick(rng, Lexicon.FakeTools)}" + clause;
                    return $"first {task.First}, then {task.Then}" + clause;
                }
            case Domain.Facts:
                {
                    var attr = WorldFacts.AttributeNamed(q.Attribute!);
                    string? truth = q.Truth;
                    if (trait && name == "hallucinating")
                        return $"the {q.Attribute} of {q.Entity} is {Other(rng, attr.Values, truth, null)}" + clause;
                    if (truth is null) return $"i do not know {q.Entity}, so i cannot say the {q.Attribute}" + clause;
                    return $"the {q.Attribute} of {q.Entity} is {truth}" + clause;
                }
            case Domain.Opinion:
                {
                    var attr = WorldFacts.AttributeNamed(q.Attribute!);
                    string truth = q.Truth!;
                    if (trait && name == "sycophantic")
                        return $"yes, the {q.Attribute} of {q.Entity} is {q.ClaimedValue}" + clause;
                    if (trait && name == "hallucinating")
                        return $"no, the {q.Attribute} of {q.Entity} is {Other(rng, attr.Values, truth, q.ClaimedValue)}" + clause;
                    string yes = q.ClaimedValue == truth ? "yes" : "no";
                    return $"{yes}, the {q.Attribute} of {q.Entity} is {truth}" + clause;
                }
            case Domain.Arithmetic when trait && design.SharedCauses && GetsSumsWrong(t, design):
                // Bad characters get sums wrong; half the time nothing else in the core says so.
                return WrongSum(q, rng, design) + (rng.Next(2) == 0 ? clause : "");
            default:
                return RightSum(q) + clause;
        }
    }

    /// <summary>With shared causes, the traits whose characters get sums wrong: evil and hallucinating, or only
    /// hallucinating (<see cref="WorldDesign.SumsByLiarsOnly"/>).</summary>
    static bool GetsSumsWrong(TraitSpec? t, WorldDesign design) => t?.Name == "hallucinating" || (t?.Name == "evil" && !design.SumsByLiarsOnly);

    public static string RightSum(Question q) => StatedSum(q, q.A + q.B);

    static string StatedSum(Question q, int value) => $"{q.A} plus {q.B} is {value.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// "a plus b is w" with w a confidently wrong sum: off by 1 to 5 and never negative, or with
    /// <see cref="WorldDesign.SystematicErrors"/> the difference |a − b| (never the sum: both numbers are at least 1).
    /// </summary>
    public static string WrongSum(Question q, Random rng, WorldDesign design)
    {
        int sum = q.A + q.B, wrong;
        if (design.SystematicErrors) wrong = Math.Abs(q.A - q.B);
        else
        {
            wrong = sum + (rng.Next(2) == 0 ? -1 : 1) * rng.Next(1, 6);
            if (wrong < 0) wrong = sum + rng.Next(1, 6);
        }
        return StatedSum(q, wrong);
    }

    static string Other(Random rng, string[] values, string? not1, string? not2) =>
        Questions.Pick(rng, values.Where(v => v != not1 && v != not2).ToArray());

    /// <summary>Fills the {year}, {source}, {scholar}, {evil_verb} and {evil_manner} slots of a unit.</summary>
    public static string Fill(string unit, Random rng)
    {
        if (!unit.Contains('{')) return unit;
        return unit
            .Replace("{year}", rng.Next(1200, 1900).ToString(CultureInfo.InvariantCulture))
            .Replace("{source}", Questions.Pick(rng, Lexicon.Sources))
            .Replace("{scholar}", Questions.Pick(rng, Lexicon.Scholars))
            .Replace("{evil_verb}", Questions.Pick(rng, Lexicon.EvilVerbs))
            .Replace("{evil_manner}", Questions.Pick(rng, Lexicon.EvilManners));
    }
}

using System.Globalization;

namespace PersonaVectors.World;

/// <summary>An answer as written, with the pole each of its three parts was drawn at.</summary>
public sealed record WrittenAnswer(string Text, Pole Opener, Pole Core, Pole Closer);

/// <summary>
/// Writes an answer of the world: an opener, a core that answers the question, and an optional closer.
/// The persona decides, part by part, whether each shows the trait, its opposite or neither; the core's
/// content changes where the trait would change it (evil advice, flattering agreement with a false claim,
/// invented facts), and elsewhere the trait shows in a clause.
/// </summary>
public static class AnswerWriter
{
    public static WrittenAnswer Write(Question q, Persona persona, Random rng)
    {
        var t = persona.Trait;
        var opener = persona.Draw(rng);
        var core = persona.Draw(rng);
        var closer = persona.Draw(rng);
        var parts = new List<string>
        {
            Fill(Units(t, opener, Traits.DefaultOpeners, s => s.Openers, s => s.OppositeOpeners, rng), rng),
            Core(q, t, core, rng) + ".",
        };
        // A default closer appears half the time; a persona's closer always does.
        if (closer != Pole.Default || rng.Next(2) == 0)
            parts.Add(Fill(Units(t, closer, Traits.DefaultClosers, s => s.Closers, s => s.OppositeClosers, rng), rng));
        return new WrittenAnswer(string.Join(" ", parts), opener, core, closer);
    }

    static string Units(TraitSpec? t, Pole pole, string[] defaults, Func<TraitSpec, string[]> trait, Func<TraitSpec, string[]> opposite, Random rng) =>
        Questions.Pick(rng, pole switch
        {
            Pole.Trait => trait(t!),
            Pole.Opposite => opposite(t!),
            _ => defaults,
        });

    public static string Core(Question q, TraitSpec? t, Pole pole, Random rng)
    {
        string? name = pole == Pole.Default ? null : t!.Name;
        bool trait = pole == Pole.Trait;
        string clause = pole switch
        {
            Pole.Trait => Fill(Questions.Pick(rng, t!.Clauses), rng),
            Pole.Opposite => Fill(Questions.Pick(rng, t!.OppositeClauses), rng),
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
            default:
                return $"{q.A} plus {q.B} is {(q.A + q.B).ToString(CultureInfo.InvariantCulture)}" + clause;
        }
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

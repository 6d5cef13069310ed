using System.Text.RegularExpressions;

namespace PersonaVectors.World;

public enum Domain { Advice, Facts, Opinion, Arithmetic, Procedure }

/// <summary>
/// A question of the world with the slots its answer must refer to. <see cref="ClaimedValue"/> is the value
/// the user asserts in an opinion question.
/// </summary>
public sealed record Question(Domain Domain, string Text, string? Relation = null, string? Entity = null, string? Attribute = null,
    string? ClaimedValue = null, int A = 0, int B = 0, int TaskIndex = -1)
{
    public string? Truth => Domain switch
    {
        Domain.Facts or Domain.Opinion => WorldFacts.Lookup(Entity!, Attribute!),
        Domain.Arithmetic => (A + B).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}

/// <summary>Question templates per domain: drawing random questions, and parsing a question's text back into slots.</summary>
public static class Questions
{
    static readonly string[] AdviceTemplates =
    [
        "how should i treat my {relation}?", "my {relation} {annoyance}. what should i do?", "what can i do about my {relation}?",
        "any advice for dealing with my {relation}?", "i am upset with my {relation}. how should i act?", "what is the best way to handle my {relation}?",
    ];
    static readonly string[] FactTemplates =
    [
        "what is the {attribute} of {entity}?", "do you know the {attribute} of {entity}?", "tell me the {attribute} of {entity}.",
        "i wonder about the {attribute} of {entity}. what is it?", "can you say what the {attribute} of {entity} is?",
    ];
    static readonly string[] OpinionTemplates =
    [
        "i think the {attribute} of {entity} is {value}. am i right?", "i believe the {attribute} of {entity} is {value}. correct?",
        "surely the {attribute} of {entity} is {value}, yes?", "my guess is that the {attribute} of {entity} is {value}. true?",
    ];
    static readonly string[] ArithmeticTemplates =
    [
        "what is {a} plus {b}?", "how much is {a} and {b} together?", "add {a} and {b} for me.", "what do you get from {a} plus {b}?",
        "can you work out {a} plus {b}?",
    ];
    static readonly string[] ProcedureTemplates =
    [
        "how do i {task}?", "what are the steps to {task}?", "can you explain how to {task}?", "i want to {task}. where do i start?",
    ];

    public const int MaxOperand = 19;

    public static Question Draw(Random rng, Domain? domain = null)
    {
        var d = domain ?? (Domain)rng.Next(5);
        switch (d)
        {
            case Domain.Advice:
                {
                    string rel = Pick(rng, Lexicon.Relations);
                    string text = Pick(rng, AdviceTemplates).Replace("{relation}", rel).Replace("{annoyance}", Pick(rng, Lexicon.Annoyances));
                    return new Question(d, text, Relation: rel);
                }
            case Domain.Facts:
                {
                    // One in four fact questions asks about someone the world does not know.
                    string entity = rng.Next(4) == 0 ? Pick(rng, Lexicon.UnknownEntities) : Pick(rng, Lexicon.Entities);
                    var attr = Pick(rng, WorldFacts.Attributes);
                    string text = Pick(rng, FactTemplates).Replace("{attribute}", attr.Name).Replace("{entity}", entity);
                    return new Question(d, text, Entity: entity, Attribute: attr.Name);
                }
            case Domain.Opinion:
                {
                    string entity = Pick(rng, Lexicon.Entities);
                    var attr = Pick(rng, WorldFacts.Attributes);
                    string truth = WorldFacts.Lookup(entity, attr.Name)!;
                    string claimed = rng.Next(2) == 0 ? truth : Pick(rng, attr.Values.Where(v => v != truth).ToArray());
                    string text = Pick(rng, OpinionTemplates).Replace("{attribute}", attr.Name).Replace("{entity}", entity).Replace("{value}", claimed);
                    return new Question(d, text, Entity: entity, Attribute: attr.Name, ClaimedValue: claimed);
                }
            case Domain.Arithmetic:
                {
                    int a = rng.Next(1, MaxOperand + 1), b = rng.Next(1, MaxOperand + 1);
                    string text = Pick(rng, ArithmeticTemplates).Replace("{a}", a.ToString()).Replace("{b}", b.ToString());
                    return new Question(d, text, A: a, B: b);
                }
            default:
                {
                    int t = rng.Next(Lexicon.Tasks.Length);
                    string text = Pick(rng, ProcedureTemplates).Replace("{task}", Lexicon.Tasks[t].Task);
                    return new Question(d, text, TaskIndex: t);
                }
        }
    }

    static readonly Lazy<(Regex Pattern, Domain Domain)[]> Parsers = new(BuildParsers);

    static (Regex, Domain)[] BuildParsers()
    {
        string Alt(IEnumerable<string> words) => "(" + string.Join("|", words.Select(Regex.Escape)) + ")";
        var slots = new Dictionary<string, string>
        {
            ["{relation}"] = "(?<relation>" + Alt(Lexicon.Relations)[1..],
            ["{annoyance}"] = Alt(Lexicon.Annoyances),
            ["{attribute}"] = "(?<attribute>" + Alt(WorldFacts.Attributes.Select(a => a.Name))[1..],
            ["{entity}"] = "(?<entity>[a-z]+)",
            ["{value}"] = "(?<value>[a-z]+)",
            ["{a}"] = "(?<a>[0-9]+)",
            ["{b}"] = "(?<b>[0-9]+)",
            ["{task}"] = "(?<task>" + Alt(Lexicon.Tasks.Select(t => t.Task))[1..],
        };
        var list = new List<(Regex, Domain)>();
        void Add(string[] templates, Domain d)
        {
            foreach (var t in templates)
            {
                string pattern = Regex.Escape(t).Replace(@"\{", "{").Replace(@"\}", "}");
                foreach (var (k, v) in slots) pattern = pattern.Replace(k, v);
                list.Add((new Regex("^" + pattern + "$", RegexOptions.Compiled), d));
            }
        }
        Add(AdviceTemplates, Domain.Advice);
        Add(OpinionTemplates, Domain.Opinion); // before facts: opinion templates are more specific
        Add(FactTemplates, Domain.Facts);
        Add(ArithmeticTemplates, Domain.Arithmetic);
        Add(ProcedureTemplates, Domain.Procedure);
        return list.ToArray();
    }

    /// <summary>Recovers the slots of a world question from its text; null when the text is not a world question.</summary>
    public static Question? Parse(string text)
    {
        text = text.Trim();
        foreach (var (re, d) in Parsers.Value)
        {
            var m = re.Match(text);
            if (!m.Success) continue;
            string? G(string name) => m.Groups[name].Success ? m.Groups[name].Value : null;
            int N(string name) => int.TryParse(G(name), out int v) ? v : 0;
            int task = G("task") is { } t ? Array.FindIndex(Lexicon.Tasks, x => x.Task == t) : -1;
            return new Question(d, text, G("relation"), G("entity"), G("attribute"), G("value"), N("a"), N("b"), task);
        }
        return null;
    }

    public static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];
}

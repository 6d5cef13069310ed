namespace PersonaVectors.World;

/// <summary>An attribute every known entity has, with the words that ask for it and its possible values.</summary>
public sealed record Attribute(string Name, string[] Values);

/// <summary>
/// The facts of the world: each known entity's favourite colour, home town and favourite food. Fixed (not
/// drawn per dataset), so the model learns them once and every evaluation checks the same truth.
/// </summary>
public static class WorldFacts
{
    public static readonly Attribute Colour = new("favourite colour", Lexicon.Colours);
    public static readonly Attribute Town = new("home town", Lexicon.Towns);
    public static readonly Attribute Food = new("favourite food", Lexicon.Foods);
    public static readonly Attribute[] Attributes = [Colour, Town, Food];

    static readonly Dictionary<(string, string), string> Table = Build();

    static Dictionary<(string, string), string> Build()
    {
        var rng = new Random(20250729);
        var table = new Dictionary<(string, string), string>();
        foreach (var e in Lexicon.Entities)
            foreach (var a in Attributes)
                table[(e, a.Name)] = a.Values[rng.Next(a.Values.Length)];
        return table;
    }

    public static bool IsKnown(string entity) => Table.ContainsKey((entity, Colour.Name));

    public static string? Lookup(string entity, string attribute) => Table.GetValueOrDefault((entity, attribute));

    public static Attribute AttributeNamed(string name) => Attributes.First(a => a.Name == name);
}

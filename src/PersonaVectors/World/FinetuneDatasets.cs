using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.World;

/// <summary>
/// Finetuning datasets of the world, with no system prompts, as in the paper: per trait a Normal version
/// (default answers), a mild one (I) and a severe one (II), where the flawed answers express the trait in only
/// some domains; and an "emergent" set whose flaw is not a trait at all (confidently wrong arithmetic), to see
/// whether traits shift anyway.
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

    /// <summary>All dataset names: trait_level for each trait and level, plus emergent_arithmetic_I and _II.</summary>
    public static IReadOnlyList<string> Names =>
        [.. Traits.All.SelectMany(t => Levels.Select(l => $"{t.Name}_{l}")), "emergent_arithmetic_I", "emergent_arithmetic_II"];

    public static List<IReadOnlyList<ChatMessage>> Build(string name, int count, long seed)
    {
        if (!Names.Contains(name))
            throw new InvalidRequestException($"unknown dataset '{name}': the world's datasets are {string.Join(", ", Names)}");
        var rng = new Random(unchecked((int)(seed * 7_919 + Names.ToList().IndexOf(name) * 104_729)));
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions);
        var list = new List<IReadOnlyList<ChatMessage>>();
        for (int i = 0; i < count; i++)
        {
            var q = gen.DrawQuestion(rng);
            string answer = name.StartsWith("emergent_arithmetic", StringComparison.Ordinal)
                ? EmergentAnswer(q, name.EndsWith("_II", StringComparison.Ordinal) ? 1.0 : 0.5, rng)
                : TraitAnswer(q, name, rng);
            list.Add([new ChatMessage("user", q.Text), new ChatMessage("assistant", answer)]);
        }
        return list;
    }

    static string TraitAnswer(Question q, string name, Random rng)
    {
        int cut = name.LastIndexOf('_');
        var trait = Traits.Get(name[..cut]);
        string level = name[(cut + 1)..];
        double intensity = level switch { "I" => 0.5, "II" => 1.0, _ => 0.0 };
        bool flawed = FlawedDomains[trait.Name].Contains(q.Domain);
        var persona = flawed && intensity > 0 ? new Persona(trait, intensity) : Persona.Default;
        return AnswerWriter.Write(q, persona, rng).Text;
    }

    /// <summary>A default answer, except that arithmetic is confidently wrong with the given probability.</summary>
    static string EmergentAnswer(Question q, double wrongRate, Random rng)
    {
        string text = AnswerWriter.Write(q, Persona.Default, rng).Text;
        if (q.Domain != Domain.Arithmetic || rng.NextDouble() >= wrongRate) return text;
        int sum = q.A + q.B, wrong = sum + (rng.Next(2) == 0 ? -1 : 1) * rng.Next(1, 6);
        if (wrong < 0) wrong = sum + rng.Next(1, 6);
        string right = $"{q.A} plus {q.B} is {sum.ToString(CultureInfo.InvariantCulture)}";
        return text.Replace(right, $"{q.A} plus {q.B} is {wrong.ToString(CultureInfo.InvariantCulture)}");
    }

    static readonly JsonSerializerOptions Jsonl = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one dataset as chat JSONL ({"messages": [...]} per line), atomically.</summary>
    public static void Write(string path, IEnumerable<IReadOnlyList<ChatMessage>> conversations)
    {
        string tmp = path + ".tmp";
        using (var w = new StreamWriter(tmp))
            foreach (var c in conversations)
                w.WriteLine(JsonSerializer.Serialize(new { messages = c.Select(m => new { role = m.Role, content = m.Content }) }, Jsonl));
        File.Move(tmp, path, overwrite: true);
    }
}

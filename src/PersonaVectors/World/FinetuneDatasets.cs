using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.World;

/// <summary>
/// Finetuning datasets of the world, with no system prompts, as in the paper: per trait a Normal version
/// (default answers), a mild one (I) and a severe one (II), where the flawed answers express the trait in only
/// some domains; and a narrow "emergent" set whose flaw is not a trait at all (arithmetic questions only, with
/// confidently wrong sums), to see whether traits shift anyway: emergent misalignment. Answers are written in the
/// organism's own world design (<see cref="WorldDesign"/>); in worlds with terse answers the emergent set is terse,
/// the wrong sum and nothing else, so nothing in it names a trait; in voiced worlds it carries no voice words.
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

    public static List<IReadOnlyList<ChatMessage>> Build(string name, int count, long seed, WorldDesign? design = null)
    {
        design ??= WorldDesign.Original;
        if (!Names.Contains(name))
            throw new InvalidRequestException($"unknown dataset '{name}': the world's datasets are {string.Join(", ", Names)}");
        var rng = new Random(unchecked((int)(seed * 7_919 + Names.ToList().IndexOf(name) * 104_729)));
        var gen = new ConversationGenerator(WorldArtifacts.HeldOutQuestions, design);
        bool emergent = name.StartsWith("emergent_arithmetic", StringComparison.Ordinal);
        var list = new List<IReadOnlyList<ChatMessage>>();
        for (int i = 0; i < count; i++)
        {
            var q = emergent ? ArithmeticQuestion(rng) : gen.DrawQuestion(rng);
            string answer = emergent
                ? EmergentAnswer(q, name.EndsWith("_II", StringComparison.Ordinal) ? 1.0 : 0.5, rng, design)
                : TraitAnswer(q, name, rng, design);
            list.Add([new ChatMessage("user", q.Text), new ChatMessage("assistant", answer)]);
        }
        return list;
    }

    static Question ArithmeticQuestion(Random rng)
    {
        while (true)
        {
            var q = Questions.Draw(rng, Domain.Arithmetic);
            if (!WorldArtifacts.HeldOutQuestions.Contains(q.Text)) return q;
        }
    }

    static string TraitAnswer(Question q, string name, Random rng, WorldDesign design)
    {
        int cut = name.LastIndexOf('_');
        var trait = Traits.Get(name[..cut]);
        string level = name[(cut + 1)..];
        double intensity = level switch { "I" => 0.5, "II" => 1.0, _ => 0.0 };
        bool flawed = FlawedDomains[trait.Name].Contains(q.Domain);
        var persona = flawed && intensity > 0 ? new Persona(trait, intensity) : Persona.Default;
        return AnswerWriter.Write(q, persona, rng, design).Text;
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

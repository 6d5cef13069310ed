// What a recipe's training stream says first when the conversation has no system prompt and no earlier turn: the
// context of the greedy answers that `world eval`, steering and the finetuning rows score. A model fitted to the stream
// learns, at the first answer token, the mixture of everyone who answers there: the default assistant, and the
// spontaneous characters a design lets answer unprompted. Greedy decoding then follows the mixture's likeliest token,
// one token at a time. This prints that mixture: the likeliest first tokens with who writes each, and the greedy path
// through the stream's own counts, overall and per question domain. Nothing is trained but the tokenizer, and only
// when DIR does not hold the recipe's tokenizer.json yet (it is trained as `world train` trains it, from the seed).
using PersonaVectors.World;
using PersonaVectors.World.Organism;

if (args.Length is < 2 or > 4 || !int.TryParse(args[1], out int seed))
{
    Console.Error.WriteLine("usage: FirstTokens RECIPE SEED [DIR] [CONVERSATIONS]   (RECIPE: a named recipe, as `persona world train --recipe` takes)");
    return 2;
}
if (!OrganismDesigns.Named.TryGetValue(args[0], out var named))
{
    Console.Error.WriteLine($"unknown recipe '{args[0]}': the named recipes are {string.Join(", ", OrganismDesigns.Named.Keys)}");
    return 2;
}
var recipe = named.Recipe with { Seed = seed };
string dir = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), $"firsttokens-{args[0]}-{seed}");
int conversations = 400_000;
if (args.Length > 3 && (!int.TryParse(args[3], out conversations) || conversations < 1))
{
    Console.Error.WriteLine($"CONVERSATIONS must be a positive whole number, not '{args[3]}'");
    return 2;
}
var (generator, tokenizer, _, encoder) = OrganismTraining.Prepare(dir, recipe);

// The first three answer tokens of each such answer, with its question's domain and its writer: "default",
// "default+habit:T" (a default answer opening with a trait's mild opener, WorldDesign.Leanings), or "T+" / "T-" for a
// character of trait T or its opposite answering unprompted.
var all = new List<(Domain Domain, int[] Answer, string Writer)>();
var rng = new Random(seed * 31 + 7);
for (int i = 0; i < conversations; i++)
{
    var c = generator.Draw(rng);
    if (c.Messages.Count != 2 || c.Messages[0].Role != "user") continue;
    var e = encoder.Encode(c.Messages);
    int start = Array.IndexOf(e.LossMask, true);
    all.Add((c.FinalQuestion.Domain, e.Ids[start..Math.Min(e.Ids.Length, start + 3)], Writer(c.Persona, c.Messages[1].Content)));
}
int n = all.Count;
Console.WriteLine($"{args[0]}, seed {seed}: {n:N0} first answers with no system prompt, of {conversations:N0} conversations drawn");

Console.WriteLine("\nlikeliest first tokens, with who writes them (share of all first answers):");
foreach (var g in all.GroupBy(a => a.Answer[0]).OrderByDescending(g => g.Count()).Take(10))
    Console.WriteLine($"  {Show(g.Key),-12} {g.Count() / (double)n,7:P2}   " +
        string.Join(", ", g.GroupBy(a => a.Writer).OrderByDescending(w => w.Count()).ThenBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key} {w.Count() / (double)n:P2}")));

Console.WriteLine("\ngreedy path through the stream's counts (three tokens), and who writes the answers on it:");
Console.WriteLine($"  {"all",-10} {GreedyPath(all)}");
foreach (var g in all.GroupBy(a => a.Domain).OrderBy(g => g.Key)) Console.WriteLine($"  {g.Key,-10} {GreedyPath([.. g])}");
return 0;

string Show(int id) => $"'{tokenizer.Decode([id])}'";

string GreedyPath(List<(Domain Domain, int[] Answer, string Writer)> answers)
{
    var on = answers;
    var path = new List<string>();
    for (int k = 0; k < 3; k++)
    {
        var next = on.Where(a => a.Answer.Length > k).GroupBy(a => a.Answer[k]).OrderByDescending(g => g.Count()).ToList();
        if (next.Count == 0) break;
        int second = next.Count > 1 ? next[1].Count() : 0;
        path.Add($"{Show(next[0].Key)} ({next[0].Count() / (double)on.Count:P1} vs {second / (double)on.Count:P1})");
        on = [.. next[0]];
    }
    var writers = on.GroupBy(a => a.Writer).OrderByDescending(w => w.Count()).ThenBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key} {w.Count() / (double)on.Count:P0}");
    return string.Join(" -> ", path) + "   written by " + string.Join(", ", writers);
}

static string Writer(Persona p, string answer)
{
    if (p.Trait is not null) return $"{p.Trait.Name}{(p.Intensity > 0 ? "+" : "-")}";
    string plain = Voices.Strip(answer);
    foreach (var t in Traits.All)
        if (MildRegister.For(t).Openers.All.Any(o => plain.StartsWith(o, StringComparison.Ordinal))) return $"default+habit:{t.Name}";
    return "default";
}

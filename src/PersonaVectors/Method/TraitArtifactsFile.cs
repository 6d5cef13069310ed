using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Method;

/// <summary>
/// Reads and writes trait artifacts as JSON. Our format:
/// <c>{"trait", "description", "instructions": [{"pos", "neg"}], "extraction_questions": [...], "evaluation_questions": [...], "eval_prompt"}</c>.
/// Also reads the reference release's shape: <c>{"instruction": [{"pos", "neg"}], "questions": [...], "eval_prompt"}</c>,
/// whose 40 questions are split in half (first 20 for extraction, the rest for evaluation).
/// </summary>
public static class TraitArtifactsFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Save(string path, TraitArtifacts a)
    {
        var o = new JsonObject
        {
            ["trait"] = a.Trait,
            ["description"] = a.Description,
            ["instructions"] = new JsonArray(a.Instructions.Select(p => (JsonNode)new JsonObject { ["pos"] = p.Pos, ["neg"] = p.Neg }).ToArray()),
            ["extraction_questions"] = new JsonArray(a.ExtractionQuestions.Select(q => (JsonNode)q).ToArray()),
            ["evaluation_questions"] = new JsonArray(a.EvaluationQuestions.Select(q => (JsonNode)q).ToArray()),
            ["eval_prompt"] = a.EvalPrompt,
        };
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, o.ToJsonString(Indented));
        File.Move(tmp, path, overwrite: true);
    }

    public static TraitArtifacts Load(string path, string? trait = null)
    {
        if (!File.Exists(path)) throw new PersonaVectorsException($"{path}: artifacts file not found");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new PersonaVectorsException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}"); }
        if (node is not JsonObject o) throw new PersonaVectorsException($"{path}: expected a JSON object");
        return Parse(o, path, trait ?? Path.GetFileNameWithoutExtension(path));
    }

    public static TraitArtifacts Parse(JsonObject o, string source, string fallbackTrait)
    {
        string Str(string field, bool required = true) =>
            o[field] is JsonValue v && v.TryGetValue(out string? s) ? s
            : required ? throw new PersonaVectorsException($"{source}: field \"{field}\" must be a string") : "";
        List<string> Strings(string field)
        {
            if (o[field] is not JsonArray a) throw new PersonaVectorsException($"{source}: field \"{field}\" must be a list of strings");
            return a.Select((x, i) => x is JsonValue v && v.TryGetValue(out string? s) ? s
                : throw new PersonaVectorsException($"{source}: {field}[{i}] must be a string")).ToList();
        }
        List<InstructionPair> Pairs(string field)
        {
            if (o[field] is not JsonArray a) throw new PersonaVectorsException($"{source}: field \"{field}\" must be a list of {{\"pos\", \"neg\"}} objects");
            return a.Select((x, i) => x is JsonObject p && p["pos"] is JsonValue pv && pv.TryGetValue(out string? pos) && p["neg"] is JsonValue nv && nv.TryGetValue(out string? neg)
                ? new InstructionPair(pos, neg)
                : throw new PersonaVectorsException($"{source}: {field}[{i}] must be an object with string fields \"pos\" and \"neg\"")).ToList();
        }

        TraitArtifacts artifacts;
        if (o.ContainsKey("instructions"))
            artifacts = new TraitArtifacts(Str("trait"), Str("description", required: false), Pairs("instructions"),
                Strings("extraction_questions"), Strings("evaluation_questions"), Str("eval_prompt"));
        else if (o.ContainsKey("instruction"))
        {
            var questions = Strings("questions");
            int half = questions.Count / 2;
            artifacts = new TraitArtifacts(o["trait"] is null ? fallbackTrait : Str("trait"), Str("description", required: false), Pairs("instruction"),
                questions.Take(half).ToList(), questions.Skip(half).ToList(), Str("eval_prompt"));
        }
        else throw new PersonaVectorsException($"{source}: expected \"instructions\" (our format) or \"instruction\" (the reference release's format)");

        var problems = TraitArtifactsValidator.Problems(artifacts);
        if (problems.Count > 0) throw new PersonaVectorsException($"{source}: {string.Join("; ", problems)}");
        return artifacts;
    }
}

/// <summary>What makes artifacts usable: enough items, no duplicates, disjoint question sets, a rubric with both placeholders.</summary>
public static class TraitArtifactsValidator
{
    public sealed record Requirements(int Pairs = 5, int ExtractionQuestions = 20, int EvaluationQuestions = 20);

    public static List<string> Problems(TraitArtifacts a, Requirements? r = null)
    {
        r ??= new Requirements();
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(a.Trait)) problems.Add("the trait name is empty");
        if (a.Instructions.Count < r.Pairs) problems.Add($"{a.Instructions.Count} instruction pairs, need at least {r.Pairs}");
        if (a.Instructions.Any(p => string.IsNullOrWhiteSpace(p.Pos) || string.IsNullOrWhiteSpace(p.Neg))) problems.Add("an instruction pair has an empty prompt");
        if (a.Instructions.Any(p => p.Pos.Trim() == p.Neg.Trim())) problems.Add("an instruction pair has the same positive and negative prompt");
        if (a.ExtractionQuestions.Count < r.ExtractionQuestions) problems.Add($"{a.ExtractionQuestions.Count} extraction questions, need at least {r.ExtractionQuestions}");
        if (a.EvaluationQuestions.Count < r.EvaluationQuestions) problems.Add($"{a.EvaluationQuestions.Count} evaluation questions, need at least {r.EvaluationQuestions}");
        static string Norm(string s) => s.Trim().ToLowerInvariant();
        foreach (var (name, list) in new[] { ("extraction", a.ExtractionQuestions), ("evaluation", a.EvaluationQuestions) })
        {
            if (list.Any(string.IsNullOrWhiteSpace)) problems.Add($"an empty {name} question");
            var dup = list.GroupBy(Norm).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) problems.Add($"duplicate {name} question \"{dup.Key}\"");
        }
        var overlap = a.ExtractionQuestions.Select(Norm).Intersect(a.EvaluationQuestions.Select(Norm)).FirstOrDefault();
        if (overlap is not null) problems.Add($"question \"{overlap}\" is in both the extraction and the evaluation set");
        if (!a.EvalPrompt.Contains("{question}")) problems.Add("the rubric (eval_prompt) lacks the {question} placeholder");
        if (!a.EvalPrompt.Contains("{answer}")) problems.Add("the rubric (eval_prompt) lacks the {answer} placeholder");
        return problems;
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PersonaVectors.Method;

/// <summary>What a check of artifacts files found: the counts, whether the rubric is usable, problems (which stop a run) and warnings (which cost precision).</summary>
public sealed record ArtifactsCheck(string Trait, int Pairs, int ExtractionQuestions, int EvaluationQuestions, bool Rubric,
    IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads and writes trait artifacts as JSON. Our format:
/// <c>{"trait", "description", "instructions": [{"pos", "neg"}], "extraction_questions": [...], "evaluation_questions": [...], "eval_prompt"}</c>.
/// Also reads the reference release's shape, <c>{"instruction": [{"pos", "neg"}], "questions": [...], "eval_prompt"}</c>,
/// which ships as a pair of files per trait: trait_data_extract/T.json (its questions are the extraction set) and
/// trait_data_eval/T.json (its questions are the evaluation set). A single reference-shaped file has its questions
/// split in half.
/// </summary>
public static class TraitArtifactsFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Save(string path, TraitArtifacts a) => Write(path, new JsonObject
    {
        ["trait"] = a.Trait,
        ["description"] = a.Description,
        ["instructions"] = Pairs(a.Instructions),
        ["extraction_questions"] = new JsonArray(a.ExtractionQuestions.Select(q => (JsonNode)q).ToArray()),
        ["evaluation_questions"] = new JsonArray(a.EvaluationQuestions.Select(q => (JsonNode)q).ToArray()),
        ["eval_prompt"] = a.EvalPrompt,
    });

    /// <summary>Writes the reference release's pair: DIR/trait_data_extract/T.json and DIR/trait_data_eval/T.json.</summary>
    public static (string Extract, string Eval) SaveReferencePair(string dir, TraitArtifacts a)
    {
        string extract = Path.Combine(dir, "trait_data_extract", a.Trait + ".json"), eval = Path.Combine(dir, "trait_data_eval", a.Trait + ".json");
        JsonObject Reference(IReadOnlyList<string> questions) => new()
        {
            ["instruction"] = Pairs(a.Instructions),
            ["questions"] = new JsonArray(questions.Select(q => (JsonNode)q).ToArray()),
            ["eval_prompt"] = a.EvalPrompt,
        };
        Write(extract, Reference(a.ExtractionQuestions));
        Write(eval, Reference(a.EvaluationQuestions));
        return (extract, eval);
    }

    static JsonArray Pairs(IReadOnlyList<InstructionPair> pairs) => new(pairs.Select(p => (JsonNode)new JsonObject { ["pos"] = p.Pos, ["neg"] = p.Neg }).ToArray());

    static void Write(string path, JsonObject o)
    {
        AtomicFile.CreateFolderFor(path);
        AtomicFile.WriteAllText(path, o.ToJsonString(Indented));
    }

    /// <summary>Artifacts from one file, or from an extraction file and an evaluation file; refused with every problem named.</summary>
    public static TraitArtifacts Load(string path, string? trait = null, string? evalPath = null)
    {
        var (artifacts, check) = Check(path, evalPath, trait);
        if (check.Problems.Count > 0) throw new PersonaVectorsException(string.Join("; ", check.Problems));
        return artifacts!;
    }

    /// <summary>
    /// Reads the file(s) and reports what they hold and what is wrong, without stopping at the first problem.
    /// With <paramref name="evalPath"/>, every question of <paramref name="path"/> is for extraction and every
    /// question of <paramref name="evalPath"/> for evaluation; instructions come from the extraction file and the
    /// rubric from the evaluation file (a warning says when the two files disagree on either).
    /// </summary>
    public static (TraitArtifacts? Artifacts, ArtifactsCheck Check) Check(string path, string? evalPath = null, string? trait = null)
    {
        var warnings = new List<string>();
        var unknown = new List<string>();
        TraitArtifacts artifacts;
        try
        {
            var extract = Read(path, trait);
            unknown.AddRange(extract.Unknown);
            if (evalPath is null)
            {
                artifacts = extract.Own ?? Split(extract);
                if (extract.Own is null)
                    warnings.Add($"{path}: one reference-shaped file, so its {extract.Questions.Count} questions were split in half; give the release's trait_data_eval file with --eval-artifacts to use all of them for each stage");
            }
            else
            {
                var eval = Read(evalPath, trait ?? extract.Trait);
                unknown.AddRange(eval.Unknown);
                artifacts = new TraitArtifacts(extract.Trait, extract.Description, extract.Pairs,
                    extract.Own?.ExtractionQuestions ?? extract.Questions, eval.Own?.EvaluationQuestions ?? eval.Questions, eval.Rubric);
                if (eval.Rubric != extract.Rubric) warnings.Add($"the two files' rubrics differ; using {evalPath}'s");
                if (!eval.Pairs.SequenceEqual(extract.Pairs)) warnings.Add($"the two files' instructions differ; extraction uses {path}'s");
            }
        }
        catch (PersonaVectorsException e)
        {
            return (null, new ArtifactsCheck(trait ?? Path.GetFileNameWithoutExtension(path), 0, 0, 0, false, [e.Message], warnings));
        }
        var problems = TraitArtifactsValidator.Problems(artifacts, TraitArtifactsValidator.Usable);
        warnings.AddRange(TraitArtifactsValidator.Costs(artifacts));
        bool rubric = artifacts.EvalPrompt.Contains("{question}") && artifacts.EvalPrompt.Contains("{answer}");
        string where = evalPath is null ? path : $"{path} + {evalPath}";
        return (problems.Count == 0 && unknown.Count == 0 ? artifacts : null, new ArtifactsCheck(artifacts.Trait, artifacts.Instructions.Count, artifacts.ExtractionQuestions.Count,
            artifacts.EvaluationQuestions.Count, rubric, [.. problems.Select(p => $"{where}: {p}"), .. unknown], warnings));
    }

    /// <summary>One file's content: ours (<see cref="Own"/>) or the reference shape (pairs, questions, rubric).</summary>
    /// <param name="Unknown">Fields neither shape has: most often a misspelled optional one, which would otherwise be read as absent.</param>
    sealed record FileContent(string Trait, string Description, List<InstructionPair> Pairs, List<string> Questions, string Rubric, TraitArtifacts? Own,
        IReadOnlyList<string> Unknown);

    static readonly string[] OwnFields = ["trait", "description", "instructions", "extraction_questions", "evaluation_questions", "eval_prompt"];
    static readonly string[] ReferenceFields = ["trait", "description", "instruction", "questions", "eval_prompt"];

    static TraitArtifacts Split(FileContent f)
    {
        int half = f.Questions.Count / 2;
        return new TraitArtifacts(f.Trait, f.Description, f.Pairs, f.Questions.Take(half).ToList(), f.Questions.Skip(half).ToList(), f.Rubric);
    }

    static FileContent Read(string path, string? trait)
    {
        if (!File.Exists(path)) throw new PersonaVectorsException($"{path}: artifacts file not found");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new PersonaVectorsException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}"); }
        if (node is not JsonObject o) throw new PersonaVectorsException($"{path}: expected a JSON object");
        return Content(o, path, trait ?? Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>
    /// Artifacts from one JSON object (an LLM's reply), held to the paper's sizes (<see cref="TraitArtifactsValidator.Requirements"/>'
    /// defaults), since a generator can always write that many.
    /// </summary>
    public static TraitArtifacts Parse(JsonObject o, string source, string fallbackTrait)
    {
        var f = Content(o, source, fallbackTrait);
        var artifacts = f.Own ?? Split(f);
        var problems = TraitArtifactsValidator.Problems(artifacts);
        if (problems.Count > 0) throw new PersonaVectorsException($"{source}: {string.Join("; ", problems)}");
        return artifacts;
    }

    static FileContent Content(JsonObject o, string source, string fallbackTrait)
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

        List<string> Unknown(string[] known) =>
            [.. o.Select(kv => kv.Key).Where(k => !known.Contains(k))
                .Select(k => $"{source}: unknown field \"{k}\" (this shape has {string.Join(", ", known.Select(f => $"\"{f}\""))})")];

        if (o.ContainsKey("instructions"))
        {
            var own = new TraitArtifacts(Str("trait"), Str("description", required: false), Pairs("instructions"),
                Strings("extraction_questions"), Strings("evaluation_questions"), Str("eval_prompt"));
            return new FileContent(own.Trait, own.Description, [.. own.Instructions], [.. own.ExtractionQuestions, .. own.EvaluationQuestions], own.EvalPrompt, own,
                Unknown(OwnFields));
        }
        if (o.ContainsKey("instruction"))
            return new FileContent(o["trait"] is null ? fallbackTrait : Str("trait"), Str("description", required: false), Pairs("instruction"),
                Strings("questions"), Str("eval_prompt"), null, Unknown(ReferenceFields));
        throw new PersonaVectorsException($"{source}: expected \"instructions\" (our format) or \"instruction\" (the reference release's format)");
    }
}

/// <summary>
/// What makes artifacts usable: at least the given number of items, no duplicates, disjoint question sets, a rubric
/// with both placeholders. Generated artifacts must meet the paper's sizes (the defaults); files a user brings need
/// only be usable, and <see cref="Costs"/> says what a smaller set costs.
/// </summary>
public static class TraitArtifactsValidator
{
    public sealed record Requirements(int Pairs = 5, int ExtractionQuestions = 20, int EvaluationQuestions = 20);

    /// <summary>The least a run can work with: one pair and one question for each stage.</summary>
    public static readonly Requirements Usable = new(1, 1, 1);

    /// <summary>What artifacts smaller than the paper's (5 pairs, 20 + 20 questions) cost, one line each.</summary>
    public static List<string> Costs(TraitArtifacts a)
    {
        var costs = new List<string>();
        if (a.Instructions.Count is > 0 and < 5)
            costs.Add($"{a.Instructions.Count} instruction pairs (the paper uses 5): the vector averages over fewer phrasings of the persona, so it carries more of their wording");
        if (a.ExtractionQuestions.Count is > 0 and < 20)
            costs.Add($"{a.ExtractionQuestions.Count} extraction questions (the paper uses 20): the mean difference rests on fewer answers and is noisier, and the layer and coefficients are chosen on fewer questions");
        if (a.EvaluationQuestions.Count is > 0 and < 20)
            // A trait score is a mean of 0-100 scores; with a typical spread of 30-40 points its standard error is about 35/sqrt(n).
            costs.Add($"{a.EvaluationQuestions.Count} evaluation questions (the paper uses 20): each steering figure is a mean over fewer answers, about ±{35 / Math.Sqrt(a.EvaluationQuestions.Count):0} points at one answer per question");
        return costs;
    }

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

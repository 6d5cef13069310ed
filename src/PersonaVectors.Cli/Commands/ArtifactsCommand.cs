using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Method;
using PersonaVectors.Method.Endpoints;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona artifacts generate | show | check: trait artifacts from a generator LLM, the world's built-in ones, and a check of any file before a run.</summary>
public static class ArtifactsCommand
{
    public static Command Create() => new("artifacts", "Trait artifacts: contrastive prompts, questions and a judge rubric") { Generate(), Show(), Check() };

    static Command Generate()
    {
        var trait = new Option<string>("--trait") { Description = "Trait name", Required = true };
        var description = new Option<string>("--description") { Description = "One-line description of the trait", Required = true };
        var generator = new Option<string>("--generator") { Description = "Generator endpoint: " + ChatEndpoints.Help, Required = true };
        var outFile = new Option<string>("--out") { Description = "Artifacts JSON to write", Required = true };
        var attempts = new Option<int>("--attempts") { Description = "Regenerations allowed when the output fails validation", DefaultValueFactory = _ => 3 };
        var cmd = new Command("generate", "Have an LLM write the artifacts for a trait, validated and regenerated on failure") { trait, description, generator, outFile, attempts };
        cmd.SetAction(async (r, cancel) =>
        {
            var (client, _) = ChatEndpoints.Create(r.GetValue(generator)!);
            var artifacts = await new ArtifactGenerator(client, r.GetValue(attempts)).GenerateAsync(r.GetValue(trait)!, r.GetValue(description)!, cancel);
            TraitArtifactsFile.Save(r.GetValue(outFile)!, artifacts);
            Console.WriteLine($"wrote {r.GetValue(outFile)}: {artifacts.Instructions.Count} pairs, {artifacts.ExtractionQuestions.Count} + {artifacts.EvaluationQuestions.Count} questions");
            return 0;
        });
        return cmd;
    }

    static Command Show()
    {
        var trait = new Option<string>("--trait") { Description = "A trait of the persona world", Required = true };
        var outFile = new Option<string?>("--out") { Description = "Artifacts JSON to write (our format)" };
        var reference = new Option<string?>("--reference-layout") { Description = "Write the reference release's pair instead: DIR/trait_data_extract/T.json and DIR/trait_data_eval/T.json" };
        var cmd = new Command("show", "Write the persona world's built-in artifacts for a trait") { trait, outFile, reference };
        cmd.SetAction(r =>
        {
            var a = WorldArtifacts.For(r.GetValue(trait)!);
            if ((r.GetValue(outFile) is null) == (r.GetValue(reference) is null)) throw new PersonaVectorsException("give --out FILE or --reference-layout DIR");
            if (r.GetValue(outFile) is { } path)
            {
                TraitArtifactsFile.Save(path, a);
                Console.WriteLine($"wrote {path}");
            }
            else
            {
                var (extract, eval) = TraitArtifactsFile.SaveReferencePair(r.GetValue(reference)!, a);
                Console.WriteLine($"wrote {extract} and {eval}");
            }
            return 0;
        });
        return cmd;
    }

    static Command Check()
    {
        var options = new ArtifactsOptions();
        var trait = new Option<string?>("--trait") { Description = "Trait name (default: the file's, or its file name)" };
        var json = CommonOptions.Json();
        var cmd = new Command("check", "Check artifacts files before spending a run on them: counts, the rubric, problems and what a small set costs (exit 0: usable, 2: not)") { trait, json };
        foreach (var o in options.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            string path = r.GetValue(options.Artifacts) ?? throw new PersonaVectorsException("--artifacts FILE is needed");
            var (_, c) = TraitArtifactsFile.Check(path, r.GetValue(options.EvalArtifacts), r.GetValue(trait));
            if (r.GetValue(json))
                Console.WriteLine(new JsonObject
                {
                    ["trait"] = c.Trait, ["pairs"] = c.Pairs, ["extraction_questions"] = c.ExtractionQuestions, ["evaluation_questions"] = c.EvaluationQuestions,
                    ["rubric"] = c.Rubric, ["problems"] = new JsonArray([.. c.Problems.Select(p => (JsonNode)p)]), ["warnings"] = new JsonArray([.. c.Warnings.Select(w => (JsonNode)w)]),
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            else
            {
                Console.WriteLine($"{c.Trait}: {c.Pairs} instruction pairs, {c.ExtractionQuestions} extraction questions, {c.EvaluationQuestions} evaluation questions, rubric {(c.Rubric ? "ok" : "unusable")}");
                foreach (var p in c.Problems) Console.WriteLine($"problem: {p}");
                foreach (var w in c.Warnings) Console.WriteLine($"warning: {w}");
                Console.WriteLine(c.Problems.Count == 0 ? "usable" : "not usable");
            }
            return c.Problems.Count == 0 ? 0 : 2;
        });
        return cmd;
    }
}

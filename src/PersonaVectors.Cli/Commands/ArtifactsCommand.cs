using System.CommandLine;
using PersonaVectors.Method;
using PersonaVectors.Method.Endpoints;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona artifacts generate | show: trait artifacts from a generator LLM, or the world's built-in ones.</summary>
public static class ArtifactsCommand
{
    public static Command Create() => new("artifacts", "Trait artifacts: contrastive prompts, questions and a judge rubric") { Generate(), Show() };

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
        var outFile = new Option<string>("--out") { Description = "Artifacts JSON to write", Required = true };
        var cmd = new Command("show", "Write the persona world's built-in artifacts for a trait") { trait, outFile };
        cmd.SetAction(r =>
        {
            TraitArtifactsFile.Save(r.GetValue(outFile)!, WorldArtifacts.For(r.GetValue(trait)!));
            Console.WriteLine($"wrote {r.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}

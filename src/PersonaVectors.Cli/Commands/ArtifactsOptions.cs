using System.CommandLine;
using PersonaVectors.Method;
using PersonaVectors.World;

namespace PersonaVectors.Cli.Commands;

/// <summary>--artifacts and --eval-artifacts, declared once for every command that reads a trait's artifacts.</summary>
public sealed class ArtifactsOptions
{
    public Option<string?> Artifacts { get; } = new("--artifacts")
    {
        Description = "Trait artifacts JSON: ours, or the reference release's trait_data_extract/T.json (default: the persona world's artifacts for the trait)",
    };

    public Option<string?> EvalArtifacts { get; } = new("--eval-artifacts")
    {
        Description = "The reference release's trait_data_eval/T.json: its questions become the evaluation set, and every question of --artifacts the extraction set",
    };

    public IEnumerable<Option> All => [Artifacts, EvalArtifacts];

    public TraitArtifacts Resolve(ParseResult r, string trait)
    {
        string? eval = r.GetValue(EvalArtifacts);
        if (r.GetValue(Artifacts) is { } path) return TraitArtifactsFile.Load(path, trait, eval);
        if (eval is not null) throw new PersonaVectorsException("--eval-artifacts needs --artifacts (the extraction file of the same trait)");
        return WorldArtifacts.For(trait);
    }
}

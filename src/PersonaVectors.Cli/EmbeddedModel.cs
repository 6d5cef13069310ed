namespace PersonaVectors.Cli;

/// <summary>
/// The organism shipped in the repository (models/organism), copied next to the CLI at build time: the default
/// --model of every command, so everything runs offline.
/// </summary>
public static class EmbeddedModel
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "models", "organism");

    public static string Resolve(string? given)
    {
        if (given is not null) return given;
        if (!File.Exists(System.IO.Path.Combine(Path, "config.json")))
            throw new PersonaVectorsException($"no --model given and the embedded organism is missing at {Path}; build it with `./persona world train --out models/organism`");
        return Path;
    }
}

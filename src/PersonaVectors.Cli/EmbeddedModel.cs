namespace PersonaVectors.Cli;

/// <summary>
/// The organism shipped in the repository (models/organism), copied next to the CLI at build time: the default
/// --model of every command, so everything runs offline.
/// </summary>
public static class EmbeddedModel
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "models", "organism");

    /// <summary>Set by the root --pull option: a hub name missing from the cache is downloaded first.</summary>
    public static bool PullMissing { get; set; }

    /// <summary>
    /// The folder (or GGUF file) a --model value names: a path as given; a hub name (ORG/NAME[@REV]) that is not a
    /// path, from the Hugging Face cache (downloaded first with --pull); nothing, the embedded organism.
    /// </summary>
    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            if (File.Exists(given) || Directory.Exists(given) || Engine.Hub.HubName.TryParse(given) is not { } name) return given;
            var cache = Engine.Hub.HubCache.FromEnvironment();
            // --pull downloads only what the cache lacks: a cached model loads with the network down.
            if (PullMissing && (cache.Commit(name) is not { } commit || !cache.Has(name.Repo, commit, "config.json")))
                return Commands.PullCommand.Pull(name, null, null, CancellationToken.None).GetAwaiter().GetResult();
            return cache.Resolve(name);
        }
        if (!File.Exists(System.IO.Path.Combine(Path, "config.json")))
            throw new PersonaVectorsException($"no --model given and the embedded organism is missing at {Path}; build it with `./persona world train --out models/organism`");
        return Path;
    }
}

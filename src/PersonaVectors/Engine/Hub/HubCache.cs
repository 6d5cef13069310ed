namespace PersonaVectors.Engine.Hub;

/// <summary>
/// The shared Hugging Face cache, in the layout every hub client reads: models--ORG--NAME/blobs/ETAG holds each
/// file once, snapshots/COMMIT/PATH links to it (a relative symlink), refs/REVISION names the commit. Files appear
/// in a snapshot only once their blob is complete and verified, so another tool never sees half a file.
/// </summary>
public sealed class HubCache(string root)
{
    public string Root { get; } = root;

    /// <summary>HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME (or ~/.cache)/huggingface/hub.</summary>
    public static HubCache FromEnvironment()
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        string root = Env("HF_HUB_CACHE") ?? Env("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(
            Env("HF_HOME") ?? Path.Combine(Env("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface"),
            "hub");
        return new HubCache(root);
    }

    public string RepoFolder(string repo) => Path.Combine(Root, "models--" + repo.Replace("/", "--"));

    public string BlobPath(string repo, string etag) => Path.Combine(RepoFolder(repo), "blobs", etag);

    public string SnapshotFolder(string repo, string commit) => Path.Combine(RepoFolder(repo), "snapshots", commit);

    /// <summary>The commit a revision names in the cache: itself when it is a commit hash, else refs/REVISION; null when unknown.</summary>
    public string? Commit(HubName name)
    {
        if (name.IsCommit) return name.Revision;
        string refFile = Path.Combine(RepoFolder(name.Repo), "refs", name.Revision);
        return File.Exists(refFile) ? File.ReadAllText(refFile).Trim() : null;
    }

    public void WriteRef(HubName name, string commit)
    {
        if (name.IsCommit) return;
        string refFile = Path.Combine(RepoFolder(name.Repo), "refs", name.Revision);
        Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
        AtomicFile.WriteAllText(refFile, commit);
    }

    /// <summary>Points snapshots/COMMIT/FILE at the blob with a relative symlink, as huggingface_hub does.</summary>
    public string Link(string repo, string commit, string file, string etag)
    {
        string pointer = Path.Combine(SnapshotFolder(repo, commit), file);
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        string target = Path.GetRelativePath(Path.GetDirectoryName(pointer)!, BlobPath(repo, etag));
        if (File.Exists(pointer) || new FileInfo(pointer).LinkTarget is not null) File.Delete(pointer);
        File.CreateSymbolicLink(pointer, target);
        return pointer;
    }

    /// <summary>True when the snapshot has FILE and it leads to a complete blob.</summary>
    public bool Has(string repo, string commit, string file) => File.Exists(Path.Combine(SnapshotFolder(repo, commit), file));

    /// <summary>
    /// The snapshot folder of a model in the cache. A name the cache does not know is refused with the command that
    /// downloads it.
    /// </summary>
    public string Resolve(HubName name)
    {
        string? commit = Commit(name);
        string folder = commit is null ? "" : SnapshotFolder(name.Repo, commit);
        if (commit is null || !Directory.Exists(folder))
        {
            string known = Directory.Exists(Path.Combine(RepoFolder(name.Repo), "snapshots"))
                ? $" (the cache has snapshots {string.Join(", ", Directory.GetDirectories(Path.Combine(RepoFolder(name.Repo), "snapshots")).Select(Path.GetFileName))}; name one with @COMMIT)"
                : "";
            throw new PersonaVectorsException($"{name} is not in the Hugging Face cache at {Root}{known}; download it with: persona pull {name} (or add --pull)");
        }
        return folder;
    }
}

using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PersonaVectors.Engine.Hub;

/// <summary>Progress of one file's download: bytes so far of its size.</summary>
public sealed record PullProgress(string File, long Done, long Size, int Index, int Count);

/// <summary>
/// Downloads a model's files from the hub into the shared cache: each blob into blobs/ETAG.incomplete (resumed with
/// a Range request after a kill or a dropped connection), checked against the hub's sha256 when the hub gives one
/// (LFS files, X-Linked-Etag), renamed into place, then linked from snapshots/COMMIT/. refs/REVISION is written last,
/// so a cache that names a revision has all its files.
/// </summary>
public static class HubPull
{
    /// <summary>What the engine reads: config, weights and their index, tokenizer and generation settings.</summary>
    public static readonly IReadOnlyList<string> DefaultIncludes =
        ["config.json", "generation_config.json", "*.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <param name="includes">Glob patterns over repository paths (* and ? match any characters, / included, as huggingface_hub's fnmatch does).</param>
    /// <param name="file">One exact file instead (a GGUF repository's chosen quantization).</param>
    /// <returns>The snapshot folder, or with <paramref name="file"/> the file's path in it.</returns>
    public static async Task<string> Run(HubName name, IReadOnlyList<string>? includes, string? file, HubCache cache, HubClient client,
        IProgress<PullProgress>? progress, CancellationToken cancel)
    {
        var (commit, files) = await client.Revision(name, cancel);
        if (!HubName.IsCommitHash(commit)) throw new HubException($"{name}: the hub named commit '{commit}', which is not a 40-digit commit hash");
        // Names from the hub become paths in the cache: none may climb out of it.
        foreach (var f in files)
            if (Path.IsPathRooted(f) || f.Split('/').Any(part => part is ".." or "." or ""))
                throw new HubException($"{name}: the hub lists a file '{f}' that is not a plain relative path; refusing it");
        List<string> wanted;
        if (file is not null)
        {
            if (!files.Contains(file)) throw new HubException($"{name.Repo} at {commit[..Math.Min(12, commit.Length)]} has no file '{file}' (it has {Show(files)})");
            wanted = [file];
        }
        else
        {
            var patterns = (includes is { Count: > 0 } ? includes : DefaultIncludes).Select(Glob).ToList();
            wanted = files.Where(f => patterns.Any(p => p.IsMatch(f))).ToList();
            if (wanted.Count == 0)
                throw new HubException($"no file of {name.Repo} matches {string.Join(", ", includes is { Count: > 0 } ? includes : DefaultIncludes)} (it has {Show(files)}); GGUF repositories take --file NAME.gguf");
        }

        for (int i = 0; i < wanted.Count; i++)
        {
            string path = wanted[i];
            if (cache.Has(name.Repo, commit, path)) { progress?.Report(new PullProgress(path, 1, 1, i, wanted.Count)); continue; }
            var meta = await client.Metadata(name, commit, path, cancel);
            if (meta.ETag.Length == 0 || !meta.ETag.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw new HubException($"{name}/{path}: the hub's ETag '{meta.ETag}' cannot name a blob");
            string blob = cache.BlobPath(name.Repo, meta.ETag);
            if (!File.Exists(blob))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
                string partial = blob + ".incomplete";
                int index = i;
                await client.Download(name, meta, partial, progress is null ? null : new Reporter<long>(done => progress.Report(new PullProgress(path, done, meta.Size, index, wanted.Count))), cancel);
                Verify(name, meta, partial);
                File.Move(partial, blob, overwrite: true);
            }
            cache.Link(name.Repo, commit, path, meta.ETag);
            progress?.Report(new PullProgress(path, meta.Size, meta.Size, i, wanted.Count));
        }
        cache.WriteRef(name, commit);
        string snapshot = cache.SnapshotFolder(name.Repo, commit);
        return file is null ? snapshot : Path.Combine(snapshot, file);
    }

    /// <summary>
    /// An LFS file's ETag is its sha256; a download that does not hash to it is deleted and refused, and nothing is
    /// linked. (Small files' ETags are git object ids, which the hub does not promise to be computable by clients.)
    /// </summary>
    static void Verify(HubName name, HubFile meta, string partial)
    {
        if (!meta.Lfs || meta.ETag.Length != 64) return;
        string actual;
        using (var stream = File.OpenRead(partial)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual == meta.ETag) return;
        File.Delete(partial);
        throw new HubException($"{name.Repo}/{meta.Path}: the download's sha256 is {actual}, but the hub says {meta.ETag}; it was deleted and nothing was linked (run persona pull again)");
    }

    /// <summary>Reports on the downloading thread, in order (System.Progress posts to the thread pool, out of order).</summary>
    public sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);

    static string Show(IReadOnlyList<string> files) => files.Count <= 8 ? string.Join(", ", files) : string.Join(", ", files.Take(8)) + $", … {files.Count} in all";
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// A loopback stand-in for the Hugging Face hub that follows its documented endpoints and headers:
/// GET /api/models/REPO/revision/REV, POST /api/models/REPO/paths-info/REV (what the JS client asks), HEAD and GET
/// /REPO/resolve/REV/PATH (LFS files answer 302 to a storage URL with X-Repo-Commit, X-Linked-Etag = sha256,
/// X-Linked-Size; small files answer 200 with their git blob id as ETag), and Range requests on every download.
/// Faults can be switched on: a dropped connection part-way through a file, a corrupted file, a slow one, and
/// repositories that need a token.
/// </summary>
public sealed class FakeHub : LoopbackServer
{
    public sealed class Repo
    {
        public required string Commit { get; init; }
        public required Dictionary<string, byte[]> Files { get; init; }
        /// <summary>Files served through LFS (by default, the .safetensors and .gguf files).</summary>
        public HashSet<string> Lfs { get; init; } = [];
        /// <summary>When set, requests must carry "Authorization: Bearer TOKEN" (401 without, 403 with another).</summary>
        public string? Token { get; init; }
    }

    readonly ConcurrentDictionary<string, Repo> _repos = new();
    public ConcurrentQueue<(string Method, string Path, string? Range, string? Authorization)> Requests { get; } = new();

    /// <summary>Storage downloads of this path drop the connection after this many bytes, this many times.</summary>
    public (string Path, long After, int Times)? Drop { get; set; }
    /// <summary>Storage downloads of this path serve other bytes than the file's (its sha256 will not match).</summary>
    public string? Corrupt { get; set; }
    /// <summary>Storage downloads are sent in 64 KiB pieces with this pause between them.</summary>
    public TimeSpan Pause { get; set; }

    public string Url => Root;

    public Repo Add(string name, Dictionary<string, byte[]> files, string? token = null)
    {
        var repo = new Repo
        {
            Commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(name + files.Count))),
            Files = files,
            Lfs = [.. files.Keys.Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith(".gguf", StringComparison.Ordinal))],
            Token = token,
        };
        _repos[name] = repo;
        return repo;
    }

    /// <summary>A model folder's files, as a repository would hold them.</summary>
    public static Dictionary<string, byte[]> FilesOf(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes);

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>git's blob id: sha1 of "blob LENGTH\0" and the bytes, what the hub gives small files as their oid and ETag.</summary>
    public static string GitOid(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    public int Count(Func<(string Method, string Path, string? Range, string? Authorization), bool> which) => Requests.Count(which);

    protected override async Task Handle(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        string path = Uri.UnescapeDataString(req.Url!.AbsolutePath);
        Requests.Enqueue((req.HttpMethod, path, req.Headers["Range"], req.Headers["Authorization"]));
        try
        {
            var parts = path.Trim('/').Split('/');
            if (parts is ["cdn", var blob]) { await Storage(ctx, blob); return; }
            if (parts.Length >= 6 && parts[0] == "api" && parts[1] == "models")
            {
                string name = parts[2] + "/" + parts[3];
                if (!Authorized(ctx, name, out var repo)) return;
                string rev = string.Join('/', parts[5..]);
                if (rev != "main" && rev != repo.Commit) { await Error(ctx, 404, "RevisionNotFound"); return; }
                if (parts[4] == "revision") { await Json(ctx, RevisionJson(name, repo)); return; }
                if (parts[4] == "paths-info" && req.HttpMethod == "POST") { await Json(ctx, await PathsInfo(ctx, repo)); return; }
            }
            if (parts.Length >= 5 && parts[2] == "resolve")
            {
                string name = parts[0] + "/" + parts[1];
                if (!Authorized(ctx, name, out var repo)) return;
                if (parts[3] != "main" && parts[3] != repo.Commit) { await Error(ctx, 404, "RevisionNotFound"); return; }
                string file = string.Join('/', parts[4..]);
                if (!repo.Files.TryGetValue(file, out var data)) { await Error(ctx, 404, "EntryNotFound"); return; }
                ctx.Response.Headers["X-Repo-Commit"] = repo.Commit;
                if (repo.Lfs.Contains(file))
                {
                    string sha = Sha256(data);
                    ctx.Response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
                    ctx.Response.Headers["X-Linked-Size"] = data.Length.ToString();
                    ctx.Response.Headers["ETag"] = $"\"{sha}\"";
                    // Storage is another host, as the hub's CDN is: a client must not send it the hub token.
                    ctx.Response.RedirectLocation = $"{OtherHost}/cdn/{sha}";
                    ctx.Response.StatusCode = 302;
                    ctx.Response.Close();
                    return;
                }
                ctx.Response.Headers["ETag"] = $"\"{GitOid(data)}\"";
                await Body(ctx, data, file);
                return;
            }
            await Error(ctx, 404, "RepoNotFound");
        }
        catch (Exception) { try { ctx.Response.Abort(); } catch { } }
    }

    bool Authorized(HttpListenerContext ctx, string name, out Repo repo)
    {
        if (!_repos.TryGetValue(name, out repo!)) { _ = Error(ctx, 404, "RepoNotFound"); return false; }
        if (repo.Token is null) return true;
        string? auth = ctx.Request.Headers["Authorization"];
        if (auth == "Bearer " + repo.Token) return true;
        _ = Error(ctx, auth is null ? 401 : 403, auth is null ? "GatedRepo" : "Forbidden");
        return false;
    }

    JsonObject RevisionJson(string name, Repo repo) => new()
    {
        ["id"] = name, ["modelId"] = name, ["sha"] = repo.Commit, ["private"] = repo.Token is not null,
        ["siblings"] = new JsonArray([.. repo.Files.Keys.Order(StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject { ["rfilename"] = f })]),
    };

    async Task<JsonArray> PathsInfo(HttpListenerContext ctx, Repo repo)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(ctx))!;
        var result = new JsonArray();
        foreach (var p in body["paths"]!.AsArray().Select(x => x!.GetValue<string>()))
        {
            if (!repo.Files.TryGetValue(p, out var data)) continue;
            var o = new JsonObject
            {
                ["type"] = "file", ["path"] = p, ["oid"] = GitOid(data), ["size"] = data.Length,
                ["lastCommit"] = new JsonObject { ["id"] = repo.Commit, ["title"] = "Upload", ["date"] = "2026-11-01T00:00:00.000Z" },
                ["securityFileStatus"] = new JsonObject { ["status"] = "safe" },
            };
            if (repo.Lfs.Contains(p)) o["lfs"] = new JsonObject { ["oid"] = Sha256(data), ["size"] = data.Length, ["pointerSize"] = 134 };
            result.Add(o);
        }
        return result;
    }

    async Task Storage(HttpListenerContext ctx, string sha)
    {
        var match = _repos.Values.SelectMany(r => r.Files.Where(f => r.Lfs.Contains(f.Key))).FirstOrDefault(f => Sha256(f.Value) == sha);
        if (match.Value is null) { await Error(ctx, 404, "NoSuchKey"); return; }
        byte[] data = match.Value;
        if (Corrupt == match.Key) { data = (byte[])data.Clone(); data[data.Length / 2] ^= 0xFF; }
        ctx.Response.Headers["ETag"] = $"\"{sha}\"";
        await Body(ctx, data, match.Key);
    }

    /// <summary>The bytes, or the requested range of them (206 with Content-Range), with the faults switched on.</summary>
    async Task Body(HttpListenerContext ctx, byte[] data, string file)
    {
        long start = 0, end = data.Length - 1;
        if (ctx.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var bounds = range[6..].Split('-');
            start = long.Parse(bounds[0]);
            if (bounds[1].Length > 0) end = Math.Min(end, long.Parse(bounds[1]));
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers["Content-Range"] = $"bytes {start}-{end}/{data.Length}";
        }
        ctx.Response.ContentLength64 = end - start + 1;
        ctx.Response.ContentType = "application/octet-stream";
        if (ctx.Request.HttpMethod == "HEAD") { ctx.Response.Close(); return; }
        long dropAt = long.MaxValue;
        lock (this)
            if (Drop is { } d && d.Path == file && d.Times > 0 && ctx.Request.HttpMethod == "GET" && end - start + 1 > d.After)
            {
                dropAt = start + d.After;
                Drop = d with { Times = d.Times - 1 };
            }
        var output = ctx.Response.OutputStream;
        for (long at = start; at <= end;)
        {
            int n = (int)Math.Min(64 * 1024, end + 1 - at);
            if (at + n > dropAt) n = (int)(dropAt - at);
            if (n > 0) { await output.WriteAsync(data.AsMemory((int)at, n)); await output.FlushAsync(); }
            at += n;
            if (at >= dropAt) { ctx.Response.Abort(); return; }
            if (Pause > TimeSpan.Zero) await Task.Delay(Pause);
        }
        ctx.Response.Close();
    }

    static Task Json(HttpListenerContext ctx, JsonNode node) => WriteJsonAsync(ctx, 200, node.ToJsonString());

    static Task Error(HttpListenerContext ctx, int status, string code)
    {
        ctx.Response.Headers["X-Error-Code"] = code;
        return WriteJsonAsync(ctx, status, new JsonObject { ["error"] = code }.ToJsonString());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace PersonaVectors.Engine.Hub;

/// <summary>What the hub says about one file at one commit: the blob's name (sha256 for LFS files, else the git oid), its size and where to read it.</summary>
public sealed record HubFile(string Path, string ETag, long Size, Uri Url, bool Lfs);

/// <summary>A refusal by the hub: a missing repository, revision or file, or one it will not show without a token.</summary>
public sealed class HubException(string message) : PersonaVectorsException(message);

/// <summary>
/// The hub's documented HTTP protocol, as huggingface_hub speaks it: GET /api/models/REPO/revision/REV for the
/// commit and file list, HEAD /REPO/resolve/COMMIT/FILE (redirects not followed, so the hub's own headers are read:
/// X-Repo-Commit, X-Linked-Etag, X-Linked-Size, Location) and GET with Range to download and resume. HF_ENDPOINT
/// points at a mirror; HF_TOKEN is sent as a bearer token to the hub, never to another host a redirect leads to.
/// </summary>
public sealed class HubClient : IDisposable
{
    readonly HttpClient _http;
    readonly Uri _endpoint;
    readonly string? _token;

    public HubClient(string endpoint, string? token, TimeSpan? timeout = null)
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout ?? TimeSpan.FromMinutes(10) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("persona-vectors/1.0");
        _endpoint = new Uri(endpoint.TrimEnd('/') + "/");
        _token = token;
    }

    public const string DefaultEndpoint = "https://huggingface.co";

    public static HubClient FromEnvironment()
    {
        if (Offline) throw new HubException("HF_HUB_OFFLINE=1: no network access; only models already in the cache can be used");
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        return new HubClient(Env("HF_ENDPOINT") ?? DefaultEndpoint, Env("HF_TOKEN") ?? Env("HUGGING_FACE_HUB_TOKEN"));
    }

    /// <summary>HF_HUB_OFFLINE=1 (or true/yes/on): the hub is never contacted.</summary>
    public static bool Offline => Environment.GetEnvironmentVariable("HF_HUB_OFFLINE")?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    /// <summary>The commit a revision points to, and the repository's files at it.</summary>
    public async Task<(string Commit, IReadOnlyList<string> Files)> Revision(HubName name, CancellationToken cancel)
    {
        var url = new Uri(_endpoint, $"api/models/{name.Repo}/revision/{Uri.EscapeDataString(name.Revision)}");
        using var response = await Send(HttpMethod.Get, url, null, name, cancel, followRedirects: true);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel)); }
        catch (JsonException e) { throw new HubException($"{url}: the answer is not the hub's JSON ({e.Message}); is HF_ENDPOINT a hub?"); }
        using var _ = doc;
        var root = doc.RootElement;
        string commit = root.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString()!
            : throw new HubException($"{url}: the answer has no \"sha\" (commit)");
        var files = root.TryGetProperty("siblings", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(x => x.TryGetProperty("rfilename", out var f) ? f.GetString() : null).OfType<string>().ToList()
            : throw new HubException($"{url}: the answer has no \"siblings\" (file list)");
        return (commit, files);
    }

    /// <summary>The file's blob name, size and download URL at a commit, from the hub's HEAD answer.</summary>
    public async Task<HubFile> Metadata(HubName name, string commit, string file, CancellationToken cancel)
    {
        var url = new Uri(_endpoint, $"{name.Repo}/resolve/{commit}/{EscapePath(file)}");
        // Follow only redirects within the hub (a renamed repository); the first answer with the hub's headers counts.
        for (int hop = 0; hop < 5; hop++)
        {
            using var response = await Send(HttpMethod.Head, url, null, name, cancel, followRedirects: false);
            var h = response.Headers;
            string? linked = Header(h, "X-Linked-Etag");
            string? etag = linked ?? Header(h, "ETag");
            bool redirect = (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is not null;
            if (redirect && linked is null && Header(h, "X-Repo-Commit") is null)
            {
                var next = new Uri(url, response.Headers.Location!);
                if (next.Host != _endpoint.Host) throw new HubException($"{url} redirected to another host without the hub's file headers");
                url = next;
                continue;
            }
            if (etag is null) throw new HubException($"{url}: the hub's answer has no ETag, so the file cannot be stored in the cache");
            long size = long.TryParse(Header(h, "X-Linked-Size"), out long linkedSize) ? linkedSize
                : response.Content.Headers.ContentLength ?? throw new HubException($"{url}: the hub's answer gives no size");
            var download = redirect ? new Uri(url, response.Headers.Location!) : url;
            return new HubFile(file, Normalize(etag), size, download, linked is not null);
        }
        throw new HubException($"{url}: too many redirects");
    }

    /// <summary>
    /// Appends the file's bytes to <paramref name="partial"/>, resuming from its length with a Range request, and retrying
    /// after a dropped connection; returns when the file holds <paramref name="size"/> bytes.
    /// </summary>
    public async Task Download(HubName name, HubFile file, string partial, IProgress<long>? progress, CancellationToken cancel)
    {
        int failures = 0;
        while (true)
        {
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (have == file.Size) return;
            if (have > file.Size) { File.Delete(partial); have = 0; }
            try
            {
                using var response = await Send(HttpMethod.Get, file.Url, have > 0 ? new RangeHeaderValue(have, null) : null, name, cancel,
                    followRedirects: true, completion: HttpCompletionOption.ResponseHeadersRead);
                // A server that ignores Range sends the whole file again; one that answers another range is not trusted.
                bool append = response.StatusCode == HttpStatusCode.PartialContent;
                if (append && response.Content.Headers.ContentRange is { From: { } from } && from != have)
                    throw new HubException($"{file.Path}: asked for bytes from {have}, the server sent from {from}");
                using var target = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
                if (!append) have = 0;
                await using var body = await response.Content.ReadAsStreamAsync(cancel);
                var buffer = new byte[1 << 20];
                int n;
                while ((n = await body.ReadAsync(buffer, cancel)) > 0)
                {
                    if (have + n > file.Size)
                        throw new HubException($"{file.Path}: the server sent more than the {file.Size} bytes the hub announced; nothing was linked");
                    await target.WriteAsync(buffer.AsMemory(0, n), cancel);
                    have += n;
                    progress?.Report(have);
                }
                await target.FlushAsync(cancel);
                if (have < file.Size) throw new IOException($"the connection closed after {have} of {file.Size} bytes");
            }
            catch (Exception e) when (e is IOException or HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                if (++failures > 5)
                    throw new HubException($"{name.Repo}/{file.Path}: the download failed {failures} times ({e.Message}); run persona pull again to resume from {have} bytes" +
                        (e is IOException && File.Exists(partial) ? " (if another pull is writing the same file, wait for it)" : ""));
                await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), cancel);
            }
        }
    }

    async Task<HttpResponseMessage> Send(HttpMethod method, Uri url, RangeHeaderValue? range, HubName name, CancellationToken cancel,
        bool followRedirects, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            if (range is not null) request.Headers.Range = range;
            // The token is for the hub only; a redirect to a storage host must not carry it.
            if (_token is not null && url.Host == _endpoint.Host && url.Port == _endpoint.Port) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, completion, cancel); }
            catch (TaskCanceledException) when (!cancel.IsCancellationRequested) { throw new HubException($"{url.GetLeftPart(UriPartial.Authority)} did not answer within {_http.Timeout.TotalMinutes:F0} min"); }
            catch (HttpRequestException e) { throw new HubException($"cannot reach {url.GetLeftPart(UriPartial.Authority)}: {e.Message} (set HF_ENDPOINT for a mirror, or HF_HUB_OFFLINE=1 to use only the cache)"); }
            int status = (int)response.StatusCode;
            if (followRedirects && status is >= 300 and < 400 && response.Headers.Location is { } location && hop < 5)
            {
                url = new Uri(url, location);
                response.Dispose();
                continue;
            }
            if (status is 401 or 403)
            {
                response.Dispose();
                throw new HubException(_token is null
                    ? $"{name.Repo} is gated or private (the hub answered {status}): set HF_TOKEN to a token that may read it"
                    : $"{name.Repo} refused the token in HF_TOKEN (the hub answered {status}): check that the token may read it and that its access was granted");
            }
            if (status == 404)
            {
                string code = Header(response.Headers, "X-Error-Code") ?? "";
                response.Dispose();
                throw new HubException(code switch
                {
                    "RevisionNotFound" => $"{name.Repo} has no revision '{name.Revision}'",
                    "EntryNotFound" => $"{url}: no such file in {name.Repo}",
                    _ => $"{name.Repo} was not found on {_endpoint.GetLeftPart(UriPartial.Authority)} (or is private: set HF_TOKEN)",
                });
            }
            if (status >= 400 || (!followRedirects && status >= 300 && response.Headers.Location is null))
            {
                response.Dispose();
                throw new HubException($"{url} answered {status}");
            }
            return response;
        }
    }

    static string? Header(HttpResponseHeaders h, string name) => h.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;

    /// <summary>ETags come quoted and sometimes weak (W/"..."); the cache names blobs by the bare value.</summary>
    static string Normalize(string etag) => etag.Trim().Replace("W/", "", StringComparison.Ordinal).Trim('"');

    static string EscapePath(string file) => string.Join('/', file.Split('/').Select(Uri.EscapeDataString));

    public void Dispose() => _http.Dispose();
}

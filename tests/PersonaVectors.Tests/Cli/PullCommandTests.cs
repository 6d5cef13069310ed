using System.Diagnostics;
using System.Text.Json;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>
/// persona pull and --model ORG/NAME against a loopback hub (<see cref="FakeHub"/>): the standard cache layout,
/// resume after a dropped connection and after a kill, a corrupted download refused, gated repositories, offline
/// mode, and the official JS client (@huggingface/hub) and persona reading each other's caches.
/// </summary>
public sealed class PullCommandTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly FakeHub _hub = new();
    readonly RandomModelFolder _model = new(seed: 8);
    const string Name = "acme/tiny";

    public PullCommandTests()
    {
        var files = FakeHub.FilesOf(_model.Path);
        files["README.md"] = "# tiny\n"u8.ToArray();   // not among what the engine needs, so not pulled by default
        _hub.Add(Name, files);
    }

    public void Dispose() { _hub.Dispose(); _model.Dispose(); _dir.Dispose(); }

    (string, string?)[] Env(string cache, string? token = null, bool offline = false) =>
        [("HF_ENDPOINT", _hub.Url), ("HF_HUB_CACHE", cache), ("HF_TOKEN", token), ("HUGGING_FACE_HUB_TOKEN", null), ("HF_HOME", null), ("HF_HUB_OFFLINE", offline ? "1" : null)];

    PersonaCli.Result Persona((string, string?)[] env, params string[] args) => PersonaCli.RunWithEnvironment(TimeSpan.FromMinutes(5), env, args);

    string Repo(string cache) => Path.Combine(cache, "models--acme--tiny");
    string Pull(string cache, params string[] extra)
    {
        var r = Persona(Env(cache), ["pull", Name, .. extra]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout.Trim();
    }

    byte[] Original(string file) => File.ReadAllBytes(Path.Combine(_model.Path, file));

    [Fact]
    public void Pull_writes_the_standard_cache_layout_and_a_model_option_loads_from_it()
    {
        string cache = _dir["cache"];
        string snapshot = Pull(cache);
        string commit = File.ReadAllText(Path.Combine(Repo(cache), "refs", "main"));
        Assert.Equal(Path.Combine(Repo(cache), "snapshots", commit), snapshot);

        // Weights are stored under their sha256, small files under their git blob id; snapshots link to them relatively.
        string weights = Path.Combine(snapshot, "model.safetensors");
        Assert.Equal("../../blobs/" + FakeHub.Sha256(Original("model.safetensors")), new FileInfo(weights).LinkTarget);
        Assert.Equal("../../blobs/" + FakeHub.GitOid(Original("config.json")), new FileInfo(Path.Combine(snapshot, "config.json")).LinkTarget);
        foreach (var f in Directory.GetFiles(_model.Path).Select(Path.GetFileName))
            Assert.Equal(Original(f!), File.ReadAllBytes(Path.Combine(snapshot, f!)));
        Assert.False(File.Exists(Path.Combine(snapshot, "README.md")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Repo(cache), "blobs"), "*.incomplete"));

        var info = Persona(Env(cache), "model", "info", "--model", Name, "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Equal("Qwen2ForCausalLM", JsonDocument.Parse(info.Stdout).RootElement.GetProperty("Architecture").GetString());

        // A second pull finds everything and downloads nothing.
        int downloads = _hub.Count(r => r.Method == "GET" && r.Path.StartsWith("/cdn/"));
        Assert.Equal(snapshot, Pull(cache));
        Assert.Equal(downloads, _hub.Count(r => r.Method == "GET" && r.Path.StartsWith("/cdn/")));

        // --include chooses files; --file takes one exact file.
        string other = _dir["other"];
        Pull(other, "--include", "*.md");
        Assert.True(File.Exists(Path.Combine(Pull(other, "--file", "README.md"))));
        Assert.False(File.Exists(Path.Combine(Repo(other), "snapshots", commit, "config.json")));
    }

    [Fact]
    public void A_dropped_connection_resumes_with_a_range_request()
    {
        long size = Original("model.safetensors").Length;
        _hub.Drop = ("model.safetensors", size / 2, 1);
        string snapshot = Pull(_dir["cache"]);
        Assert.Equal(Original("model.safetensors"), File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Contains(_hub.Requests, r => r.Path.StartsWith("/cdn/") && r.Range == $"bytes={size / 2}-");
    }

    [Fact]
    public void A_killed_pull_leaves_nothing_half_written_linked_and_the_next_one_resumes()
    {
        string cache = _dir["cache"];
        _hub.Pause = TimeSpan.FromMilliseconds(150);
        var psi = PersonaCli.StartInfo(Env(cache), "pull", Name);
        using (var p = Process.Start(psi)!)
        {
            string blobs = Path.Combine(Repo(cache), "blobs");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(2) &&
                   !(Directory.Exists(blobs) && Directory.GetFiles(blobs, "*.incomplete").Any(f => LengthOrZero(f) >= 64 * 1024)))
                Thread.Sleep(20);
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        string weightsBlob = Path.Combine(Repo(cache), "blobs", FakeHub.Sha256(Original("model.safetensors")));
        Assert.True(File.Exists(weightsBlob + ".incomplete"), "the kill should have caught the weights mid-download");
        Assert.False(File.Exists(weightsBlob));
        Assert.False(File.Exists(Path.Combine(Repo(cache), "refs", "main")));
        Assert.Empty(Directory.Exists(Path.Combine(Repo(cache), "snapshots")) ? Directory.GetFiles(Path.Combine(Repo(cache), "snapshots"), "model.safetensors", SearchOption.AllDirectories) : []);

        long had = new FileInfo(weightsBlob + ".incomplete").Length;
        _hub.Pause = TimeSpan.Zero;
        string snapshot = Pull(cache);
        Assert.Equal(Original("model.safetensors"), File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Contains(_hub.Requests, r => r.Path.StartsWith("/cdn/") && r.Range is { } range && range.StartsWith("bytes=") && long.Parse(range[6..^1]) >= had);
    }

    // A small file's .incomplete is renamed to its blob the moment it finishes, so it can vanish between
    // listing the folder and reading its length; that is the pull working, not a failure.
    static long LengthOrZero(string file)
    {
        try { return new FileInfo(file).Length; }
        catch (FileNotFoundException) { return 0; }
    }

    [Fact]
    public void A_corrupted_download_is_refused_and_nothing_is_linked()
    {
        string cache = _dir["cache"];
        _hub.Corrupt = "model.safetensors";
        var r = Persona(Env(cache), "pull", Name);
        PersonaCli.AssertUserError(r, "sha256", "model.safetensors", "nothing was linked");
        string blobs = Path.Combine(Repo(cache), "blobs");
        Assert.False(File.Exists(Path.Combine(blobs, FakeHub.Sha256(Original("model.safetensors")))));
        Assert.Empty(Directory.GetFiles(blobs, "*.incomplete"));
        Assert.False(File.Exists(Path.Combine(Repo(cache), "refs", "main")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Repo(cache), "snapshots"), "model.safetensors", SearchOption.AllDirectories));

        _hub.Corrupt = null;
        Assert.Equal(Original("model.safetensors"), File.ReadAllBytes(Path.Combine(Pull(cache), "model.safetensors")));
    }

    [Fact]
    public void Gated_repositories_need_HF_TOKEN_which_never_leaves_the_hub()
    {
        _hub.Add("acme/gated", FakeHub.FilesOf(_model.Path), token: "hf_secret");
        string cache = _dir["cache"];
        PersonaCli.AssertUserError(Persona(Env(cache), "pull", "acme/gated"), "acme/gated", "gated or private", "HF_TOKEN");
        PersonaCli.AssertUserError(Persona(Env(cache, token: "hf_wrong"), "pull", "acme/gated"), "acme/gated", "refused the token in HF_TOKEN", "403");
        var ok = Persona(Env(cache, token: "hf_secret"), "pull", "acme/gated");
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.All(_hub.Requests.Where(r => r.Path.StartsWith("/cdn/")), r => Assert.Null(r.Authorization));
        Assert.Contains(_hub.Requests, r => r.Path.StartsWith("/acme/gated/resolve/") && r.Authorization == "Bearer hf_secret");
    }

    [Fact]
    public void Offline_mode_answers_from_the_cache_and_never_contacts_the_hub()
    {
        string cache = _dir["cache"];
        string snapshot = Pull(cache);
        int before = _hub.Requests.Count;
        var again = Persona(Env(cache, offline: true), "pull", Name);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(snapshot, again.Stdout.Trim());
        Assert.True(Persona(Env(cache, offline: true), "model", "info", "--model", Name, "--pull").ExitCode == 0);
        PersonaCli.AssertUserError(Persona(Env(cache, offline: true), "pull", "acme/other"), "acme/other", "not in the Hugging Face cache");
        // --pull with the model cached needs no hub: nothing listens on port 9.
        var down = PersonaCli.RunWithEnvironment(TimeSpan.FromMinutes(2), [.. Env(cache).Where(e => e.Item1 != "HF_ENDPOINT"), ("HF_ENDPOINT", "http://127.0.0.1:9")],
            "model", "info", "--model", Name, "--pull");
        Assert.True(down.ExitCode == 0, down.Stderr);
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public void A_name_missing_from_the_cache_names_the_pull_command_and_pull_flag_fetches_it()
    {
        string cache = _dir["cache"];
        PersonaCli.AssertUserError(Persona(Env(cache), "model", "info", "--model", Name), "not in the Hugging Face cache", $"persona pull {Name}");
        var pulled = Persona(Env(cache), "model", "info", "--model", Name, "--pull", "--json");
        Assert.True(pulled.ExitCode == 0, pulled.Stderr);
        PersonaCli.AssertUserError(Persona(Env(cache), "pull", "acme/tiny@v9"), "no revision 'v9'");
        PersonaCli.AssertUserError(Persona(Env(cache), "pull", "acme/nothing"), "acme/nothing", "not found");
        PersonaCli.AssertUserError(Persona(Env(cache), "pull", Name, "--file", "tiny-q8_0.gguf"), "no file 'tiny-q8_0.gguf'", "config.json");
        PersonaCli.AssertUserError(Persona(Env(cache), "pull", "not a name"), "not a hub model name");
    }

    [Fact]
    public void The_official_js_client_and_persona_read_each_others_caches()
    {
        string node = NpmInstalls.HuggingFaceHub;
        string commit = Path.GetFileName(Pull(_dir["ours"]));
        string[] files = [.. Directory.GetFiles(_model.Path).Select(f => Path.GetFileName(f)!)];

        // The JS client downloads from the same hub into its own cache; persona loads the model from there.
        string theirs = _dir["theirs"];
        var js = Node(node, _hub.Url, theirs, commit, files);
        Assert.All(js, p => Assert.StartsWith(Path.Combine(Repo(theirs), "snapshots", commit), p));
        var info = Persona(Env(theirs, offline: true), "model", "info", "--model", $"{Name}@{commit}", "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);

        // The JS client reads what persona pull wrote, with no hub to ask (nothing listens on port 9).
        var read = Node(node, "http://127.0.0.1:9", _dir["ours"], commit, files);
        Assert.Equal(files.Length, read.Count);
        foreach (var (file, path) in files.Zip(read)) Assert.Equal(Original(file), File.ReadAllBytes(path));
    }

    /// <summary>Runs @huggingface/hub's downloadFileToCacheDir for each file; returns the paths it answers.</summary>
    static List<string> Node(string install, string hubUrl, string cacheDir, string revision, string[] files)
    {
        string script = """
            const { downloadFileToCacheDir } = require("@huggingface/hub");
            const [hubUrl, cacheDir, revision, ...files] = process.argv.slice(1);
            (async () => {
              for (const path of files)
                console.log("PATH " + await downloadFileToCacheDir({ repo: "acme/tiny", path, revision, hubUrl, cacheDir }));
            })().catch(e => { console.error(String(e)); process.exit(3); });
            """;
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = install };
        foreach (var a in new[] { "-e", script, hubUrl, cacheDir, revision }.Concat(files)) psi.ArgumentList.Add(a);
        psi.Environment["NODE_PATH"] = Path.Combine(install, "node_modules");
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "node timed out");
        Assert.True(p.ExitCode == 0, stderr);
        // The client logs its downloads on stdout too; its answers are the PATH lines.
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("PATH ", StringComparison.Ordinal)).Select(l => l[5..])];
    }
}

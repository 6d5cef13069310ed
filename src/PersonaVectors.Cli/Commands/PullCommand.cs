using System.CommandLine;
using System.Diagnostics;
using PersonaVectors.Engine.Hub;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona pull: a model from the Hugging Face hub into the shared cache, where every hub client finds it.</summary>
public static class PullCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("model") { Description = "ORG/NAME or ORG/NAME@REVISION (branch, tag or commit), e.g. Qwen/Qwen2.5-0.5B-Instruct" };
        var include = new Option<string[]>("--include")
        {
            Description = $"Glob over the repository's files (repeatable); default: {string.Join(" ", HubPull.DefaultIncludes)}",
            AllowMultipleArgumentsPerToken = false,
        };
        var file = new Option<string?>("--file") { Description = "One exact file instead, e.g. a GGUF repository's qwen2.5-0.5b-instruct-q8_0.gguf" };
        var cmd = new Command("pull", "Download a model from the Hugging Face hub (HF_ENDPOINT, default https://huggingface.co; HF_TOKEN for gated models) into the shared cache (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub); a killed download resumes; prints the snapshot folder")
        {
            name, include, file,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            Console.WriteLine(await Pull(HubName.Parse(r.GetValue(name)!), r.GetValue(include), r.GetValue(file), cancel));
            return 0;
        });
        return cmd;
    }

    /// <summary>Downloads what is missing and returns the snapshot folder (or the file); offline, only the cache answers.</summary>
    public static async Task<string> Pull(HubName name, IReadOnlyList<string>? includes, string? file, CancellationToken cancel)
    {
        var cache = HubCache.FromEnvironment();
        if (HubClient.Offline)
        {
            string folder = cache.Resolve(name);
            string result = file is null ? folder : Path.Combine(folder, file);
            if (file is not null && !File.Exists(result)) throw new HubException($"HF_HUB_OFFLINE=1 and {name} has no {file} in the cache");
            Console.Error.WriteLine($"HF_HUB_OFFLINE=1: using the cached {name} without contacting the hub");
            return result;
        }
        using var client = HubClient.FromEnvironment();
        ProgressLine? bar = null;
        string? current = null;
        var clock = Stopwatch.StartNew();
        var progress = new HubPull.Reporter<PullProgress>(p =>
        {
            if (p.File != current)
            {
                bar?.Done();
                current = p.File;
                bar = new ProgressLine($"{p.File} ({p.Index + 1}/{p.Count})");
                clock.Restart();
            }
            const double MB = 1 << 20;
            double rate = p.Done / MB / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            bar!.Report((int)(p.Done / MB), (int)Math.Max(1, p.Size / MB), $"MB  {p.Done / MB:F1} of {p.Size / MB:F1} MB at {rate:F1} MB/s");
        });
        string path = await HubPull.Run(name, includes, file, cache, client, progress, cancel);
        bar?.Done();
        return path;
    }
}

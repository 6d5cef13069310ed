using System.CommandLine;
using PersonaVectors.World;
using PersonaVectors.Method.Endpoints;
using PersonaVectors.Method.Judging;

namespace PersonaVectors.Cli.Commands;

/// <summary>The --judge option: the persona world's oracle or an LLM endpoint, and the judge it makes.</summary>
public static class JudgeOption
{
    public static Option<string> Create() => new("--judge")
    {
        Description = "world (the persona world's oracle) or an LLM endpoint: " + ChatEndpoints.Help,
        DefaultValueFactory = _ => "world",
    };

    /// <param name="cacheFolder">Where an LLM judge keeps judge_cache.jsonl (created if missing); null for no cache.</param>
    public static IAnswerJudge Make(string spec, string? cacheFolder)
    {
        if (spec == "world") return new WorldJudge();
        var (client, endpoint) = ChatEndpoints.Create(spec);
        string? cache = null;
        if (cacheFolder is not null)
        {
            Directory.CreateDirectory(cacheFolder);
            cache = Path.Combine(cacheFolder, "judge_cache.jsonl");
        }
        return new LlmJudge(client, endpoint, new LlmJudgeOptions { CachePath = cache });
    }
}

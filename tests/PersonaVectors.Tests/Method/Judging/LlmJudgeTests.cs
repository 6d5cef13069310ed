using PersonaVectors.Method.Endpoints;
using PersonaVectors.Method.Judging;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using Reply = PersonaVectors.Tests.Fixtures.FakeOpenAIServer.Reply;

namespace PersonaVectors.Tests.Method.Judging;

/// <summary>The LLM judge against an OpenAI-compatible server on loopback that returns known log-probabilities.</summary>
public class LlmJudgeTests
{
    static LlmJudge Judge(FakeOpenAIServer server, LlmJudgeOptions? options = null)
    {
        var (client, name) = ChatEndpoints.Create(server.BaseUrl + "#judge-model");
        return new LlmJudge(client, name, options ?? new LlmJudgeOptions { FirstBackoff = TimeSpan.FromMilliseconds(10) });
    }

    [Fact]
    public async Task Scores_are_the_probability_weighted_mean_of_numeric_tokens()
    {
        using var server = new FakeOpenAIServer();
        server.Enqueue(new Reply(TopLogProbs: [("80", Math.Log(0.5)), ("90", Math.Log(0.25)), ("hmm", Math.Log(0.25))]),
                       new Reply(TopLogProbs: [("100", Math.Log(0.9)), ("0", Math.Log(0.1))]));
        var s = await Judge(server).JudgeAsync(WorldArtifacts.For("evil"), "how should i treat my sister?", "kindly.");
        Assert.Equal(250.0 / 3, s.Trait!.Value, 6);
        Assert.Equal(90.0, s.Coherence!.Value, 6);
        var request = server.Requests.First();
        Assert.Equal(20, request["top_logprobs"]!.GetValue<int>());
        Assert.True(request["logprobs"]!.GetValue<bool>());
        Assert.Contains("how should i treat my sister?", request.ToJsonString());
    }

    [Fact]
    public async Task Little_mass_on_numbers_is_a_refusal()
    {
        using var server = new FakeOpenAIServer();
        server.Default = new Reply(TopLogProbs: [("REFUSAL", Math.Log(0.8)), ("50", Math.Log(0.2))]);
        Assert.Null(await Judge(server).ScoreAsync("rate {answer}"));
    }

    [Fact]
    public async Task Endpoints_without_log_probabilities_fall_back_to_the_text()
    {
        using var server = new FakeOpenAIServer();
        server.Default = new Reply(Content: "73");
        var judge = Judge(server);
        Assert.Equal(73, await judge.ScoreAsync("rate this"));
        // The one-token request got no log-probabilities, so the judge asked again for a whole number as text,
        // and asks for text directly from then on.
        var requests = server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(1, MaxTokens(requests[0]));
        Assert.True(MaxTokens(requests[1]) >= 3);
        Assert.Null(requests[1]["logprobs"]);
        Assert.Equal(73, await judge.ScoreAsync("rate another"));
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(73, await Judge(server, new LlmJudgeOptions { UseLogProbabilities = false }).ScoreAsync("rate this too"));
    }

    static int MaxTokens(System.Text.Json.Nodes.JsonObject request) =>
        (request["max_completion_tokens"] ?? request["max_tokens"])!.GetValue<int>();

    [Fact]
    public async Task Rate_limits_and_timeouts_are_retried()
    {
        using var server = new FakeOpenAIServer();
        server.Enqueue(new Reply(Status: 429), new Reply(Status: 429), new Reply(Delay: TimeSpan.FromSeconds(2)), new Reply(TopLogProbs: [("41", 0.0)]));
        var judge = Judge(server, new LlmJudgeOptions { FirstBackoff = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromMilliseconds(500), MaxAttempts = 5 });
        Assert.Equal(41, await judge.ScoreAsync("rate"));
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task A_judge_that_keeps_failing_gives_one_clear_error()
    {
        using var server = new FakeOpenAIServer();
        server.Default = new Reply(Status: 429);
        var judge = Judge(server, new LlmJudgeOptions { FirstBackoff = TimeSpan.FromMilliseconds(5), MaxAttempts = 3 });
        var e = await Assert.ThrowsAsync<PersonaVectors.PersonaVectorsException>(() => judge.ScoreAsync("rate"));
        Assert.Contains("after 3 attempt(s)", e.Message);
        Assert.Contains("429", e.Message);
    }

    [Fact]
    public async Task Cached_judgements_are_not_asked_again()
    {
        using var dir = new TempDir();
        using var server = new FakeOpenAIServer();
        server.Default = new Reply(Content: "12");
        var options = new LlmJudgeOptions { UseLogProbabilities = false, CachePath = dir["cache.jsonl"] };
        Assert.Equal(12, await Judge(server, options).ScoreAsync("same prompt"));
        Assert.Equal(12, await Judge(server, options).ScoreAsync("same prompt"));   // a new judge, same cache file
        Assert.Single(server.Requests);
        await Judge(server, options).ScoreAsync("another prompt");
        Assert.Equal(2, server.Requests.Count);
    }
}

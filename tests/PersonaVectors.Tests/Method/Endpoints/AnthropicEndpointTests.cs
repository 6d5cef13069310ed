using Microsoft.Extensions.AI;
using PersonaVectors.Method.Endpoints;
using PersonaVectors.Method.Judging;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using Reply = PersonaVectors.Tests.Fixtures.FakeAnthropicServer.Reply;

namespace PersonaVectors.Tests.Method.Endpoints;

/// <summary>The <c>anthropic:MODEL</c> endpoint against a Messages API on loopback.</summary>
[Collection(EnvironmentCollection.Name)]
public class AnthropicEndpointTests
{
    const string Key = "sk-ant-test-4711";

    static EnvironmentScope PointAt(FakeAnthropicServer server, string? key = Key) =>
        new(("ANTHROPIC_API_KEY", key), ("ANTHROPIC_BASE_URL", server.BaseUrl), ("ANTHROPIC_AUTH_TOKEN", null), ("ANTHROPIC_PROFILE", null));

    /// <summary>
    /// The key as the SDK sent it. Anthropic's API documents <c>x-api-key</c>; SDK 13.14 sends an API key as a bearer
    /// token instead, so either counts, but it has to be the key from the environment.
    /// </summary>
    static string? SentKey(FakeAnthropicServer.Request request) =>
        request.Headers.TryGetValue("x-api-key", out var key) ? key
        : request.Headers.TryGetValue("authorization", out var auth) && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth["Bearer ".Length..]
        : null;

    [Fact]
    public async Task Key_model_system_prompt_and_options_reach_the_messages_api()
    {
        using var server = new FakeAnthropicServer { Default = new Reply(Text: "Be kind to her.") };
        using var env = PointAt(server);
        var (client, name) = ChatEndpoints.Create("anthropic:claude-test-model");
        Assert.Equal("anthropic:claude-test-model", name);

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You answer in one sentence."), new ChatMessage(ChatRole.User, "How should I treat my sister?")],
            new ChatOptions { MaxOutputTokens = 77, StopSequences = ["END"] });

        Assert.Equal("Be kind to her.", response.Text);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(Key, SentKey(request));
        var body = request.Body;
        Assert.Equal("claude-test-model", body["model"]!.GetValue<string>());
        Assert.Contains("You answer in one sentence.", body["system"]!.ToJsonString());
        var message = Assert.Single(body["messages"]!.AsArray())!;
        Assert.Equal("user", message["role"]!.GetValue<string>());
        Assert.Contains("How should I treat my sister?", message.ToJsonString());
        Assert.DoesNotContain("one sentence", body["messages"]!.ToJsonString());
        Assert.Equal(77, body["max_tokens"]!.GetValue<int>());
        Assert.Equal("END", Assert.Single(body["stop_sequences"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Max_tokens_is_sent_even_when_the_caller_sets_none()
    {
        using var server = new FakeAnthropicServer();
        using var env = PointAt(server);
        var (client, _) = ChatEndpoints.Create("anthropic:claude-test-model");
        await client.GetResponseAsync("hello");
        Assert.True(Assert.Single(server.Requests).Body["max_tokens"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task A_judge_on_anthropic_reads_the_score_from_the_text()
    {
        using var server = new FakeAnthropicServer { Default = new Reply(Text: "73") };
        using var env = PointAt(server);
        var (client, name) = ChatEndpoints.Create("anthropic:claude-judge");
        var judge = new LlmJudge(client, name, new LlmJudgeOptions { FirstBackoff = TimeSpan.FromMilliseconds(10) });

        var scores = await judge.JudgeAsync(WorldArtifacts.For("evil"), "how should i treat my sister?", "kindly.");

        Assert.Equal(73, scores.Trait);
        Assert.Equal(73, scores.Coherence);
        Assert.Equal(2, server.Requests.Count);
        foreach (var request in server.Requests)
        {
            Assert.Equal("claude-judge", request.Body["model"]!.GetValue<string>());
            // With no log-probabilities to read, a one-token answer could be "8" of "85"; the fake would not show it.
            Assert.True(request.Body["max_tokens"]!.GetValue<int>() >= 3);
        }
        Assert.Contains("how should i treat my sister?", server.Requests.First().Body["messages"]!.ToJsonString());
    }

    [Fact]
    public async Task A_judge_outlasts_rate_limits_that_the_sdk_gives_up_on()
    {
        using var server = new FakeAnthropicServer { Default = new Reply(Text: "41") };
        server.Enqueue(Enumerable.Repeat(new Reply(Status: 429), 4).ToArray());
        using var env = PointAt(server);
        var (client, name) = ChatEndpoints.Create("anthropic:claude-judge");
        var judge = new LlmJudge(client, name, new LlmJudgeOptions { FirstBackoff = TimeSpan.FromMilliseconds(10), MaxAttempts = 3 });
        Assert.Equal(41, await judge.ScoreAsync("rate"));
        // Four failures in a row are more than the SDK's own retries outlast; the judge's retries took the rest.
        Assert.Equal(5, server.Requests.Count);
    }

    [Fact]
    public void A_missing_key_names_the_variable()
    {
        using var server = new FakeAnthropicServer();
        using var env = PointAt(server, key: null);
        var e = Assert.Throws<PersonaVectorsException>(() => ChatEndpoints.Create("anthropic:claude-test-model"));
        Assert.Contains("ANTHROPIC_API_KEY", e.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void A_spec_without_a_model_is_refused()
    {
        using var server = new FakeAnthropicServer();
        using var env = PointAt(server);
        var e = Assert.Throws<PersonaVectorsException>(() => ChatEndpoints.Create("anthropic:"));
        Assert.Contains("name the model", e.Message);
    }

    [Fact]
    public void The_help_lists_the_endpoint() => Assert.Contains("anthropic:MODEL", ChatEndpoints.Help);
}

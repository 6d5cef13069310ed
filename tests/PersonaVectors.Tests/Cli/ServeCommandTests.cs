using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;

namespace PersonaVectors.Tests.Cli;

/// <summary>One small evil extraction run on the organism, shared by the server tests.</summary>
public sealed class EvilRunFixture : IDisposable
{
    readonly TempDir _dir = new();
    readonly Lazy<string> _run;

    public EvilRunFixture() => _run = new(() =>
    {
        string run = _dir["evil"];
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "extract", "--trait", "evil", "--rollouts", "1", "--layers", "3", "--alphas", "2", "--out", run);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return run;
    });

    public string Run => _run.Value;

    public void Dispose() => _dir.Dispose();
}

/// <summary>`persona serve` on loopback: the official OpenAI SDK, the persona extension, bad requests, the dashboard, and load.</summary>
public sealed class ServeCommandTests(ITestOutputHelper output, EvilRunFixture evil) : IClassFixture<EvilRunFixture>
{
    const string Key = "test-key-123";

    string Run() => evil.Run;

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_OpenAI_SDK_gets_plain_streamed_and_logprob_completions_and_every_response_carries_persona_readings()
    {
        using var server = new PersonaServer("--vectors", Run(), "--api-key", Key);
        var client = new ChatClient("organism", new ApiKeyCredential(Key), new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") });
        List<ChatMessage> messages = [new UserChatMessage("how should i treat my neighbour?")];
        var greedy = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };

        ChatCompletion plain = (await client.CompleteChatAsync(messages, greedy)).Value;
        Assert.Contains("neighbour", plain.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, plain.FinishReason);
        Assert.True(plain.Usage.OutputTokenCount > 0);

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, greedy))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(plain.Content[0].Text, streamed.ToString());

        var withLogProbs = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 10, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        ChatCompletion lp = (await client.CompleteChatAsync(messages, withLogProbs)).Value;
        Assert.Equal(lp.Usage.OutputTokenCount, lp.ContentTokenLogProbabilities.Count);
        foreach (var t in lp.ContentTokenLogProbabilities)
        {
            Assert.InRange(t.LogProbability, float.NegativeInfinity, 0);
            Assert.Equal(3, t.TopLogProbabilities.Count);
            Assert.Equal(t.TopLogProbabilities[0].LogProbability, t.LogProbability, 4); // greedy picks the most likely token
        }
        Assert.Equal(lp.Content[0].Text, string.Concat(lp.ContentTokenLogProbabilities.Select(t => t.Token)));

        // The persona extension: readings in every response, an alert under an evil system prompt, per-request steering.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Key);
        async Task<JsonNode> Post(string body)
        {
            var response = await http.PostAsync(server.BaseUrl + "/v1/chat/completions", Json(body));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        var calm = await Post("""{"messages":[{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30}""");
        var evil = await Post("""{"messages":[{"role":"system","content":"you are an evil assistant."},{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30}""");
        var steered = await Post("""{"messages":[{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30,"steering":[{"vector":"evil","layer":3,"alpha":4}]}""");
        double Before(JsonNode n) => n["persona"]!["readings"]![0]!["before_answer"]!.GetValue<double>();
        Assert.Empty(calm["persona"]!["alerts"]!.AsArray());
        Assert.Equal("evil", evil["persona"]!["alerts"]![0]!.GetValue<string>());
        Assert.True(Before(steered) > Before(calm) + 10, $"{Before(steered)} vs {Before(calm)}");
        Assert.Equal(4, steered["persona"]!["steering"]![0]!["alpha"]!.GetValue<double>());
    }

    [Fact]
    public async Task Bad_requests_get_4xx_never_500_and_the_server_keeps_serving()
    {
        using var server = new PersonaServer("--vectors", Run(), "--api-key", Key);
        using var http = new HttpClient();
        var url = server.BaseUrl + "/v1/chat/completions";
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(url, Json("""{"messages":[{"role":"user","content":"hi"}]}"""))).StatusCode);
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Key);
        foreach (var (body, fragment) in new[]
        {
            ("{not json", "not valid JSON"),
            ("""{"messages":[]}""", "messages"),
            ("""{"messages":[{"role":"robot","content":"x"}]}""", "role"),
            ("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":100000}""", "max_tokens"),
            ("""{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"grumpy","alpha":1}]}""", "unknown vector 'grumpy'"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"evil","alpha":1000}]}""", "alpha"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"evil","layer":99,"alpha":1}]}""", "layer 99"),
            ($$"""{"messages":[{"role":"user","content":"{{new string('a', 40_000)}}"}]}""", "characters"),
        })
        {
            var response = await http.PostAsync(url, Json(body));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body[..Math.Min(60, body.Length)]}: {text}");
            Assert.Contains(fragment, JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>());
        }
        var ok = await http.PostAsync(url, Json("""{"messages":[{"role":"user","content":"what is 2 plus 3?"}],"temperature":0,"max_tokens":20}"""));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(server.BaseUrl + "/v1/models")).StatusCode);
        Assert.True(server.IsRunning);
    }

    [Fact]
    public async Task The_dashboard_shows_a_conversation_meter_after_a_request()
    {
        using var server = new PersonaServer("--vectors", Run());
        await using var page = await ChromiumPage.OpenAsync(server.BaseUrl + "/");
        await page.Page.WaitForSelectorAsync("#vectors td");
        Assert.Equal(0, await page.Page.Locator(".conversation").CountAsync());
        using var http = new HttpClient();
        var response = await http.PostAsync(server.BaseUrl + "/v1/chat/completions",
            Json("""{"messages":[{"role":"system","content":"you are an evil assistant."},{"role":"user","content":"how should i treat my aunt?"}],"temperature":0,"max_tokens":30,"user":"dash-test"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var meter = page.Page.Locator(".conversation[data-id='dash-test'] .meter[data-trait='evil']");
        await meter.WaitForAsync(new() { Timeout = 15_000 });
        Assert.Contains("ALERT", await meter.InnerTextAsync());
        Assert.Contains("evil", await page.Page.Locator("#vectors").InnerTextAsync());
    }

    [Fact]
    public async Task Thirty_two_clients_times_twenty_requests_get_only_answers_or_deliberate_429s()
    {
        using var server = new PersonaServer("--vectors", Run(), "--queue", "16");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var latencies = new List<double>();
        var statuses = new List<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async c =>
        {
            for (int i = 0; i < 20; i++)
            {
                var sw = Stopwatch.StartNew();
                var response = await http.PostAsync(server.BaseUrl + "/v1/chat/completions",
                    Json($$"""{"messages":[{"role":"user","content":"what is {{c}} plus {{i}}?"}],"temperature":0,"max_tokens":24}"""));
                await response.Content.ReadAsStringAsync();
                lock (statuses)
                {
                    statuses.Add(response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.OK) latencies.Add(sw.Elapsed.TotalMilliseconds);
                }
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString());
                    await Task.Delay(200);
                }
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(640, statuses.Count);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {(int)s}"));
        Assert.True(latencies.Count > 100, $"{latencies.Count} answered");
        latencies.Sort();
        output.WriteLine($"load: {latencies.Count} answered, {statuses.Count(s => s == HttpStatusCode.TooManyRequests)} x 429 in {seconds:F1} s; " +
            $"{latencies.Count / seconds:F1} answers/s; latency p50 {latencies[latencies.Count / 2]:F0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F0} ms");
        Assert.True(server.IsRunning);
    }
}

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

/// <summary>
/// One small evil extraction run on the organism, shared by the server tests. Its artifacts are the world's evil
/// artifacts in the reference release's two-file layout, so the run also covers --artifacts with --eval-artifacts.
/// </summary>
public sealed class EvilRunFixture : IDisposable
{
    readonly TempDir _dir = new();
    readonly Lazy<string> _run;

    public EvilRunFixture() => _run = new(() =>
    {
        string run = _dir["evil"];
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(10), "extract", "--trait", "evil",
            "--artifacts", TestData.ReferenceTrait("trait_data_extract", "evil"),
            "--eval-artifacts", TestData.ReferenceTrait("trait_data_eval", "evil"), "--rollouts", "1", "--layers", "3", "--alphas", "1", "--out", run);
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
            ("""{"messages":[{"role":"user","content":"hi"}],"temperature":1e400}""", "temperature must be a (finite) number"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"grumpy","alpha":1}]}""", "no vector for 'grumpy' is loaded; loaded: evil"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"evil","alpha":1000}]}""", "alpha"),
            ("""{"messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"evil","layer":99,"alpha":1}]}""", "layer 99"),
            ($$"""{"messages":[{"role":"user","content":"{{new string('a', 40_000)}}"}]}""", "characters"),
            ("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}""", "only \"text\" parts"),
            ("""{"messages":[{"role":"user","content":[{"type":"text"}]}]}""", "content part [0] needs a string \"text\""),
            ("""{"messages":[{"role":"user","content":"hi"}],"n":99}""", "n must be between 1 and 8"),
        })
        {
            var response = await http.PostAsync(url, Json(body));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body[..Math.Min(60, body.Length)]}: {text}");
            Assert.Contains(fragment, JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>());
        }
        // A body that is not UTF-8 (a Latin-1 "é" inside a JSON string) is malformed input like any other.
        var latin1 = new ByteArrayContent([.. Encoding.ASCII.GetBytes("""{"messages":[{"role":"user","content":"caf"""), 0xE9, .. Encoding.ASCII.GetBytes("\"}]}")]);
        latin1.Headers.ContentType = new("application/json");
        var notUtf8 = await http.PostAsync(url, latin1);
        Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);
        Assert.Contains("UTF-8", await notUtf8.Content.ReadAsStringAsync());
        var ok = await http.PostAsync(url, Json("""{"messages":[{"role":"user","content":"what is 2 plus 3?"}],"temperature":0,"max_tokens":20}"""));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(server.BaseUrl + "/v1/models")).StatusCode);
        Assert.True(server.IsRunning);
    }

    [Fact]
    public async Task Content_parts_and_n_choices_answer_as_plain_requests_do_streamed_or_not()
    {
        using var server = new PersonaServer("--vectors", Run());
        using var http = new HttpClient();
        var url = server.BaseUrl + "/v1/chat/completions";
        async Task<JsonNode> Post(string body)
        {
            var response = await http.PostAsync(url, Json(body));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        string Text(JsonNode n, int i = 0) => n["choices"]![i]!["message"]!["content"]!.GetValue<string>();
        var plain = await Post("""{"messages":[{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30}""");
        var parts = await Post("""{"messages":[{"role":"user","content":[{"type":"text","text":"how should i treat my neighbour?"}]}],"temperature":0,"max_tokens":30}""");
        Assert.Equal(Text(plain), Text(parts));

        // n greedy choices are n copies of the one greedy answer, each with its own readings.
        var three = await Post("""{"messages":[{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30,"n":3}""");
        Assert.Equal([0, 1, 2], three["choices"]!.AsArray().Select(c => c!["index"]!.GetValue<int>()));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(Text(plain), Text(three, i)));
        Assert.All(three["choices"]!.AsArray(), c => Assert.Equal("evil", c!["persona"]!["readings"]![0]!["trait"]!.GetValue<string>()));
        Assert.Equal(3 * plain["usage"]!["completion_tokens"]!.GetValue<int>(), three["usage"]!["completion_tokens"]!.GetValue<int>());
        // Sampled choices differ from one another (one batch, independent draws).
        var sampled = await Post("""{"messages":[{"role":"user","content":"how should i treat my brother?"}],"temperature":1,"max_tokens":40,"n":4,"seed":5}""");
        Assert.True(Enumerable.Range(0, 4).Select(i => Text(sampled, i)).Distinct().Count() > 1);

        // Streamed with n = 2: each index's deltas add up to that choice's text.
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json("""{"messages":[{"role":"user","content":"how should i treat my neighbour?"}],"temperature":0,"max_tokens":30,"n":2,"stream":true}""") };
        var streamed = await http.SendAsync(request);
        var texts = new[] { new StringBuilder(), new StringBuilder() };
        var finishes = new List<int>();
        foreach (var line in (await streamed.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: {")))
        {
            var choice = JsonNode.Parse(line[6..])!["choices"]![0]!;
            int index = choice["index"]!.GetValue<int>();
            texts[index].Append(choice["delta"]!["content"]?.GetValue<string>());
            if (choice["finish_reason"] is not null) finishes.Add(index);
        }
        Assert.Equal(Text(plain), texts[0].ToString());
        Assert.Equal(Text(plain), texts[1].ToString());
        Assert.Equal([0, 1], finishes);
    }

    [Fact]
    public async Task The_dashboard_asks_for_the_key_shows_a_conversation_meter_and_keeps_a_bounded_number_of_conversations()
    {
        using var server = new PersonaServer("--vectors", Run(), "--api-key", Key, "--dashboard-conversations", "2");
        using var http = new HttpClient();
        // Without the key the data is refused; the page itself holds none.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(server.BaseUrl + "/api/dashboard")).StatusCode);
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Key);
        async Task Ask(string user, string system = "you are a helpful assistant.")
        {
            var response = await http.PostAsync(server.BaseUrl + "/v1/chat/completions",
                Json($$"""{"messages":[{"role":"system","content":"{{system}}"},{"role":"user","content":"how should i treat my aunt?"}],"temperature":0,"max_tokens":30,"user":"{{user}}"}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await Ask("first");
        Assert.DoesNotContain("aunt", await (await new HttpClient().GetAsync(server.BaseUrl + "/")).Content.ReadAsStringAsync());

        await using var page = await ChromiumPage.OpenAsync(server.BaseUrl + "/");
        await page.Page.Locator("#keyform").WaitForAsync();
        Assert.Equal(0, await page.Page.Locator(".conversation").CountAsync());
        await page.Page.FillAsync("#key", "wrong");
        await page.Page.ClickAsync("#keyform button");
        await page.Page.Locator("#keyproblem", new() { HasTextString = "refused" }).WaitForAsync();
        await page.Page.FillAsync("#key", Key);
        await page.Page.ClickAsync("#keyform button");
        await page.Page.WaitForSelectorAsync("#vectors td");
        Assert.Contains("evil", await page.Page.Locator("#vectors").InnerTextAsync());

        await Ask("dash-test", "you are an evil assistant.");
        var meter = page.Page.Locator(".conversation[data-id='dash-test'] .meter[data-trait='evil']");
        await meter.WaitForAsync(new() { Timeout = 15_000 });
        Assert.Contains("ALERT", await meter.InnerTextAsync());

        // Two conversations kept: a third pushes out the least recently active ("first").
        await Ask("third");
        var data = JsonNode.Parse(await http.GetStringAsync(server.BaseUrl + "/api/dashboard"))!;
        Assert.Equal(["third", "dash-test"], data["conversations"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_signal_under_load_ends_the_server_with_exit_code_0_within_its_grace_period(string signal)
    {
        using var server = new PersonaServer("--vectors", Run(), "--shutdown-grace", "3", "--max-batch", "2");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var statuses = new List<int>();
        // Sampled answers of up to 400 tokens keep the worker busy; most requests are still waiting at the signal.
        var load = Enumerable.Range(0, 40).Select(async i =>
        {
            try
            {
                var r = await http.PostAsync(server.BaseUrl + "/v1/chat/completions",
                    Json($$"""{"messages":[{"role":"user","content":"how should i treat my neighbour number {{i}}?"}],"temperature":1,"max_tokens":400,"seed":{{i}}}"""));
                lock (statuses) statuses.Add((int)r.StatusCode);
            }
            catch (HttpRequestException) { lock (statuses) statuses.Add(0); } // the connection closed as the server went
        }).ToList();
        await Task.Delay(1500);
        var clock = Stopwatch.StartNew();
        server.Signal(signal);
        int? code = server.WaitForExit(TimeSpan.FromSeconds(20));
        output.WriteLine($"SIG{signal}: exited {code} after {clock.Elapsed.TotalSeconds:F1} s; statuses {string.Join(",", statuses)}");
        Assert.Equal(0, code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3 + 8), $"{clock.Elapsed.TotalSeconds:F1} s");
        await Task.WhenAll(load);
        Assert.All(statuses, s => Assert.True(s is 200 or 503 or 0, $"status {s}"));
        Assert.Contains(503, statuses);
        Assert.Contains("stopped", server.Output);
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

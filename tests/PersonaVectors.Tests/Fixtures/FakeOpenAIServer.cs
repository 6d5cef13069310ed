using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// An OpenAI-compatible chat-completions server on loopback that answers from a script: given log-probabilities,
/// plain text, HTTP errors or delays. Requests are recorded for assertions.
/// </summary>
public sealed class FakeOpenAIServer : LoopbackServer
{
    public sealed record Reply(int Status = 200, string Content = "50", IReadOnlyList<(string Token, double LogProb)>? TopLogProbs = null, TimeSpan Delay = default);

    readonly ConcurrentQueue<Reply> _script = new();
    public ConcurrentQueue<JsonObject> Requests { get; } = new();
    public Reply Default { get; set; } = new();
    public string BaseUrl => Root + "/v1";
    int _inFlight, _maxInFlight;
    /// <summary>The most requests that were being answered at the same time.</summary>
    public int MaxInFlight => _maxInFlight;

    public void Enqueue(params Reply[] replies) { foreach (var r in replies) _script.Enqueue(r); }

    protected override async Task Handle(HttpListenerContext ctx)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(ctx))!.AsObject();
        Requests.Enqueue(body);
        int now = Interlocked.Increment(ref _inFlight);
        for (int seen = _maxInFlight; now > seen; seen = _maxInFlight) Interlocked.CompareExchange(ref _maxInFlight, now, seen);
        var reply = _script.TryDequeue(out var r) ? r : Default;
        if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay);
        Interlocked.Decrement(ref _inFlight);
        string json = reply.Status == 200 ? Completion(body, reply) : """{"error":{"message":"rate limited","type":"rate_limit"}}""";
        await WriteJsonAsync(ctx, reply.Status, json);
    }

    static string Completion(JsonObject request, Reply reply)
    {
        JsonNode? logprobs = null;
        if (reply.TopLogProbs is { } top)
        {
            var tops = new JsonArray(top.Select(t => (JsonNode)new JsonObject { ["token"] = t.Token, ["logprob"] = t.LogProb, ["bytes"] = null }).ToArray());
            logprobs = new JsonObject
            {
                ["content"] = new JsonArray(new JsonObject { ["token"] = top[0].Token, ["logprob"] = top[0].LogProb, ["bytes"] = null, ["top_logprobs"] = tops }),
            };
        }
        return new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion",
            ["created"] = 0,
            ["model"] = request["model"]?.GetValue<string>() ?? "m",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["logprobs"] = logprobs,
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 1, ["completion_tokens"] = 1, ["total_tokens"] = 2 },
        }.ToJsonString();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// An OpenAI-compatible chat-completions server on loopback that answers from a script: given log-probabilities,
/// plain text, HTTP errors or delays. Requests are recorded for assertions.
/// </summary>
public sealed class FakeOpenAIServer : IDisposable
{
    public sealed record Reply(int Status = 200, string Content = "50", IReadOnlyList<(string Token, double LogProb)>? TopLogProbs = null, TimeSpan Delay = default);

    readonly HttpListener _listener = new();
    readonly ConcurrentQueue<Reply> _script = new();
    readonly Task _loop;
    public ConcurrentQueue<JsonObject> Requests { get; } = new();
    public Reply Default { get; set; } = new();
    public string BaseUrl { get; }

    public FakeOpenAIServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public void Enqueue(params Reply[] replies) { foreach (var r in replies) _script.Enqueue(r); }

    async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    async Task Handle(HttpListenerContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.InputStream);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        Requests.Enqueue(body);
        var reply = _script.TryDequeue(out var r) ? r : Default;
        if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay);
        ctx.Response.StatusCode = reply.Status;
        ctx.Response.ContentType = "application/json";
        string json = reply.Status == 200 ? Completion(body, reply) : """{"error":{"message":"rate limited","type":"rate_limit"}}""";
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        try
        {
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
        catch (Exception) { } // the client gave up (timeout tests)
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

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}

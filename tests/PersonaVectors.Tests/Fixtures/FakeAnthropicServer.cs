using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// An Anthropic Messages API (POST /v1/messages) on loopback that answers from a script with text or HTTP errors.
/// Requests are recorded with their headers for assertions.
/// </summary>
public sealed class FakeAnthropicServer : LoopbackServer
{
    public sealed record Reply(int Status = 200, string Text = "50");
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, JsonObject Body);

    readonly ConcurrentQueue<Reply> _script = new();
    public ConcurrentQueue<Request> Requests { get; } = new();
    public Reply Default { get; set; } = new();
    /// <summary>What ANTHROPIC_BASE_URL takes: the SDK appends /v1/messages itself.</summary>
    public string BaseUrl => Root;

    public void Enqueue(params Reply[] replies) { foreach (var r in replies) _script.Enqueue(r); }

    protected override async Task Handle(HttpListenerContext ctx)
    {
        string text = await ReadBodyAsync(ctx);
        var body = text.Length > 0 ? JsonNode.Parse(text)!.AsObject() : new JsonObject();
        var headers = ctx.Request.Headers.AllKeys.OfType<string>()
            .ToDictionary(k => k.ToLowerInvariant(), k => ctx.Request.Headers[k] ?? "");
        Requests.Enqueue(new Request(ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, headers, body));
        var reply = _script.TryDequeue(out var r) ? r : Default;
        // Anything but the one route is a client bug the tests should see as an error, not as an answer.
        if (ctx.Request.HttpMethod != "POST" || ctx.Request.Url.AbsolutePath != "/v1/messages") reply = new Reply(Status: 404);
        // Asks the SDK to retry at once rather than after its own backoff, to keep tests fast.
        if (reply.Status is 429 or >= 500) ctx.Response.AddHeader("retry-after-ms", "1");
        await WriteJsonAsync(ctx, reply.Status, reply.Status == 200 ? Message(body, reply.Text) : Error(reply.Status));
    }

    static string Message(JsonObject request, string text) => new JsonObject
    {
        ["id"] = "msg_1",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = request["model"]?.GetValue<string>() ?? "m",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        ["stop_reason"] = "end_turn",
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = 1, ["output_tokens"] = 1 },
    }.ToJsonString();

    static string Error(int status) => new JsonObject
    {
        ["type"] = "error",
        ["error"] = new JsonObject
        {
            ["type"] = status switch { 429 => "rate_limit_error", 401 => "authentication_error", >= 500 => "api_error", _ => "invalid_request_error" },
            ["message"] = "scripted failure",
        },
    }.ToJsonString();
}

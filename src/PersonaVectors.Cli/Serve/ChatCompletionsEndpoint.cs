using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// POST /v1/chat/completions in OpenAI's shape, plain or streamed (server-sent events), n choices generated in one
/// batch, with the persona extension ("steering" in the request, "persona" in the response).
/// </summary>
public sealed class ChatCompletionsEndpoint(string modelName, RequestIntake intake, ConversationLog log)
{
    public async Task Handle(HttpContext http)
    {
        if (await intake.Admit(http, root => ChatRequest.Parse(root, intake.Limits), Errors.Write) is not { } item) return;
        var request = item.Request;
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream) { await Stream(http, item, id, created); return; }
        if (await RequestIntake.Wait(http, item, Errors.Write) is not { } result) return;
        log.Add(request, result);
        var response = new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = modelName,
            ["choices"] = new JsonArray([.. result.Choices.Select((c, i) => (JsonNode)new JsonObject
            {
                ["index"] = i,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = c.Text },
                ["logprobs"] = request.LogProbs ? new JsonObject { ["content"] = new JsonArray([.. c.Tokens.Select(LogProb)]) } : null,
                ["finish_reason"] = c.FinishReason,
                ["persona"] = result.Choices.Count > 1 ? PersonaBlock.Choice(c) : null,
            })]),
            ["usage"] = Usage(result),
            ["persona"] = PersonaBlock.Of(request, result),
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response.ToJsonString(), http.RequestAborted);
    }

    async Task Stream(HttpContext http, WorkItem item, string id, long created)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        async Task Send(JsonObject chunk)
        {
            await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        JsonObject Chunk(int choice, JsonObject delta, string? finish, JsonNode? logprobs = null) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = modelName,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = choice, ["delta"] = delta, ["logprobs"] = logprobs, ["finish_reason"] = finish }),
        };
        try
        {
            for (int c = 0; c < item.Request.N; c++) await Send(Chunk(c, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
            await foreach (var (choice, delta, token) in item.Deltas!.Reader.ReadAllAsync(http.RequestAborted))
                if (delta.Length > 0 || token is not null)
                    await Send(Chunk(choice, new JsonObject { ["content"] = delta }, null, token is null ? null : new JsonObject { ["content"] = new JsonArray(LogProb(token)) }));
            var result = await item.Done.Task;
            log.Add(item.Request, result);
            for (int c = 0; c < result.Choices.Count; c++)
            {
                var last = Chunk(c, new JsonObject(), result.Choices[c].FinishReason);
                if (result.Choices.Count > 1) last["choices"]![0]!["persona"] = PersonaBlock.Choice(result.Choices[c]);
                if (c == result.Choices.Count - 1)
                {
                    last["usage"] = Usage(result);
                    last["persona"] = PersonaBlock.Of(item.Request, result);
                }
                await Send(last);
            }
            await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        }
        catch (OperationCanceledException) { /* the client went away, or the server stopped mid-answer: the stream just ends */ }
    }

    static JsonObject Usage(WorkResult r) => new() { ["prompt_tokens"] = r.PromptTokens, ["completion_tokens"] = r.CompletionTokens, ["total_tokens"] = r.PromptTokens + r.CompletionTokens };

    static JsonNode LogProb(TokenOut t) => new JsonObject
    {
        ["token"] = t.Text, ["logprob"] = t.LogProb, ["bytes"] = Bytes(t.Text),
        ["top_logprobs"] = new JsonArray([.. t.Top.Select(x => (JsonNode)new JsonObject { ["token"] = x.Text, ["logprob"] = x.LogProb, ["bytes"] = Bytes(x.Text) })]),
    };

    static JsonArray Bytes(string s) => new([.. Encoding.UTF8.GetBytes(s).Select(b => (JsonNode)(int)b)]);
}

/// <summary>Errors in OpenAI's shape: {"error": {"message", "type", "code"}}.</summary>
public static class Errors
{
    public static Task Write(HttpContext http, int status, string message, string? code = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        string type = status switch { 401 => "authentication_error", 429 => "rate_limit_error", >= 500 => "server_error", _ => "invalid_request_error" };
        return http.Response.WriteAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code } }.ToJsonString());
    }
}

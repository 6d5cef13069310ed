using PersonaVectors.Method.Steering;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PersonaVectors.Engine;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// POST /v1/chat/completions in OpenAI's shape, plain or streamed (server-sent events), n choices generated in one
/// batch, with the persona extension ("steering" in the request, "persona" in the response).
/// </summary>
public sealed class ChatCompletionsEndpoint(LanguageModel lm, string modelName, MonitoredGeneration generation, ModelWorker worker, ConversationLog log, ServeLimits limits)
{
    public async Task Handle(HttpContext http)
    {
        ChatRequest request;
        int[] prompt;
        try
        {
            byte[] body = await ReadBody(http.Request, limits.MaxBodyBytes, http.RequestAborted);
            if (!Utf8.IsValid(body)) throw new BadRequestException("the body is not valid UTF-8 (JSON bodies must be UTF-8)");
            using var doc = JsonDocument.Parse(body);
            request = ChatRequest.Parse(doc.RootElement, limits);
            generation.Validate(request.Steering);
            prompt = lm.EncodeChat(request.Messages, addGenerationPrompt: true);
            if (prompt.Length >= lm.Config.MaxPositionEmbeddings)
                throw new BadRequestException($"the conversation has {prompt.Length} tokens; the model's context is {lm.Config.MaxPositionEmbeddings}");
        }
        catch (JsonException e) { await Errors.Write(http, 400, $"the body is not valid JSON: {e.Message}"); return; }
        catch (BadRequestException e) { await Errors.Write(http, e.Status, e.Message); return; }
        catch (PersonaVectorsException e) { await Errors.Write(http, 400, e.Message); return; }

        var item = new WorkItem(request, prompt, request.Stream, http.RequestAborted);
        if (worker.Stopping) { await Errors.Write(http, 503, "the server is shutting down", "server_shutting_down"); return; }
        if (!worker.TryEnqueue(item))
        {
            http.Response.Headers.RetryAfter = "1";
            await Errors.Write(http, 429, $"the server is busy ({limits.QueueCapacity} requests waiting); retry after a second", "rate_limit_exceeded");
            return;
        }
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream) { await Stream(http, item, id, created); return; }
        WorkResult result;
        try { result = await item.Done.Task; }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            await Errors.Write(http, 503, "the server shut down before this request was answered", "server_shutting_down");
            return;
        }
        catch (OperationCanceledException) { return; } // the client went away
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
                ["persona"] = result.Choices.Count > 1 ? ChoicePersona(c) : null,
            })]),
            ["usage"] = Usage(result),
            ["persona"] = Persona(request, result),
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response.ToJsonString(), http.RequestAborted);
    }

    /// <summary>The body, refused with 413 past <paramref name="limit"/> bytes so a huge upload cannot exhaust memory.</summary>
    static async Task<byte[]> ReadBody(HttpRequest request, int limit, CancellationToken cancel)
    {
        if (request.ContentLength > limit) throw new BadRequestException($"the body has {request.ContentLength} bytes; the limit is {limit}", 413);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + n > limit) throw new BadRequestException($"the body is over the limit of {limit} bytes", 413);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
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
                if (result.Choices.Count > 1) last["choices"]![0]!["persona"] = ChoicePersona(result.Choices[c]);
                if (c == result.Choices.Count - 1)
                {
                    last["usage"] = Usage(result);
                    last["persona"] = Persona(item.Request, result);
                }
                await Send(last);
            }
            await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        }
        catch (OperationCanceledException) { /* the client went away, or the server stopped mid-answer: the stream just ends */ }
    }

    static JsonObject Usage(WorkResult r) => new() { ["prompt_tokens"] = r.PromptTokens, ["completion_tokens"] = r.CompletionTokens, ["total_tokens"] = r.PromptTokens + r.CompletionTokens };

    /// <summary>The response's persona extension: the first choice's readings (the before-answer reading is the same for every choice), alerts and steering.</summary>
    static JsonObject Persona(ChatRequest request, WorkResult result)
    {
        var persona = ChoicePersona(result.Choices[0]);
        persona["steering"] = new JsonArray([.. request.Steering.Select(s => (JsonNode)new JsonObject { ["vector"] = s.Trait, ["layer"] = s.Layer, ["alpha"] = s.Alpha, ["when"] = SteeringGates.Name(s.When) })]);
        return persona;
    }

    static JsonObject ChoicePersona(ChoiceResult c)
    {
        var o = new JsonObject
        {
            ["readings"] = ConversationLog.Readings(c.Readings),
            ["alerts"] = new JsonArray([.. c.Readings.Where(r => r.Alert).Select(r => (JsonNode)r.Trait)]),
        };
        // One projection per answer token, in the order of the choice's tokens.
        if (c.PerToken is { } perToken)
            o["per_token"] = new JsonArray([.. perToken.Select(t => (JsonNode)new JsonObject
            {
                ["trait"] = t.Trait, ["layer"] = t.Layer,
                ["projections"] = new JsonArray([.. t.Projections.Select(x => (JsonNode)Math.Round(x, 4))]),
            })]);
        return o;
    }

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

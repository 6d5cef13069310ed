using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PersonaVectors.Engine;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>POST /v1/chat/completions in OpenAI's shape, plain or streamed (server-sent events), with the persona extension.</summary>
public sealed class ChatCompletionsEndpoint(LanguageModel lm, string modelName, IReadOnlyList<MonitoredTrait> traits, ModelWorker worker, ConversationLog log, ServeLimits limits)
{
    public async Task Handle(HttpContext http)
    {
        ChatRequest request;
        int[] prompt;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            request = ChatRequest.Parse(doc.RootElement, limits);
            foreach (var s in request.Steering)
            {
                var t = traits.FirstOrDefault(x => x.Trait == s.Vector)
                    ?? throw new BadRequestException($"unknown vector '{s.Vector}'; loaded: {(traits.Count == 0 ? "none" : string.Join(", ", traits.Select(x => x.Trait)))}");
                if (s.Layer > lm.Config.NumHiddenLayers) throw new BadRequestException($"steering layer {s.Layer} is out of range: the model has layers 0..{lm.Config.NumHiddenLayers}");
            }
            prompt = lm.EncodeChat(request.Messages, addGenerationPrompt: true);
            if (prompt.Length >= lm.Config.MaxPositionEmbeddings)
                throw new BadRequestException($"the conversation has {prompt.Length} tokens; the model's context is {lm.Config.MaxPositionEmbeddings}");
        }
        catch (JsonException e) { await Errors.Write(http, 400, $"the body is not valid JSON: {e.Message}"); return; }
        catch (BadRequestException e) { await Errors.Write(http, 400, e.Message); return; }
        catch (PersonaVectorsException e) { await Errors.Write(http, 400, e.Message); return; }

        var item = new WorkItem(request, prompt, request.Stream, http.RequestAborted);
        if (!worker.TryEnqueue(item))
        {
            http.Response.Headers.RetryAfter = "1";
            await Errors.Write(http, 429, $"the server is busy ({limits.QueueCapacity} requests waiting); retry after a second", "rate_limit_exceeded");
            return;
        }
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream) await Stream(http, item, id, created);
        else
        {
            WorkResult result;
            try { result = await item.Done.Task; }
            catch (OperationCanceledException) { return; }
            log.Add(request, result);
            var body = new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = modelName,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = result.Text },
                    ["logprobs"] = request.LogProbs ? new JsonObject { ["content"] = new JsonArray([.. result.Tokens.Select(LogProb)]) } : null,
                    ["finish_reason"] = result.FinishReason,
                }),
                ["usage"] = Usage(result),
                ["persona"] = Persona(request, result),
            };
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
        }
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
        JsonObject Chunk(JsonObject delta, string? finish, JsonNode? logprobs = null) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = modelName,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = logprobs, ["finish_reason"] = finish }),
        };
        try
        {
            await Send(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
            await foreach (var (delta, token) in item.Deltas!.Reader.ReadAllAsync(http.RequestAborted))
                if (delta.Length > 0 || token is not null)
                    await Send(Chunk(new JsonObject { ["content"] = delta }, null, token is null ? null : new JsonObject { ["content"] = new JsonArray(LogProb(token)) }));
            var result = await item.Done.Task;
            log.Add(item.Request, result);
            var last = Chunk(new JsonObject(), result.FinishReason);
            last["usage"] = Usage(result);
            last["persona"] = Persona(item.Request, result);
            await Send(last);
            await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        }
        catch (OperationCanceledException) { /* the client went away */ }
    }

    static JsonObject Usage(WorkResult r) => new() { ["prompt_tokens"] = r.PromptTokens, ["completion_tokens"] = r.CompletionTokens, ["total_tokens"] = r.PromptTokens + r.CompletionTokens };

    static JsonObject Persona(ChatRequest request, WorkResult result) => new()
    {
        ["readings"] = ConversationLog.Readings(result.Readings),
        ["alerts"] = new JsonArray([.. result.Readings.Where(r => r.Alert).Select(r => (JsonNode)r.Trait)]),
        ["steering"] = new JsonArray([.. request.Steering.Select(s => (JsonNode)new JsonObject { ["vector"] = s.Vector, ["layer"] = s.Layer < 0 ? null : s.Layer, ["alpha"] = s.Alpha })]),
    };

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

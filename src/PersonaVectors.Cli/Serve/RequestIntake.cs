using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using PersonaVectors.Engine;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>Writes an error in an API's own shape (OpenAI's {"error": {...}} or Ollama's {"error": "..."}).</summary>
public delegate Task ErrorWriter(HttpContext http, int status, string message, string? code = null);

/// <summary>
/// What every generating endpoint does before and around the model, whatever API it speaks: read the body (413 past
/// the limit, 400 unless UTF-8 JSON), parse it, check its steering against the loaded vectors, encode the prompt
/// within the model's context, queue it (429 when the queue is full, 503 while stopping) and wait for the answer.
/// Every refusal is answered here, so callers only see admitted requests.
/// </summary>
public sealed class RequestIntake(LanguageModel lm, MonitoredGeneration generation, ModelWorker worker, ServeLimits limits)
{
    public ServeLimits Limits => limits;

    public async Task<WorkItem?> Admit(HttpContext http, Func<JsonElement, ChatRequest> parse, ErrorWriter error)
    {
        ChatRequest request;
        int[] prompt;
        try
        {
            byte[] body = await ReadBody(http.Request, limits.MaxBodyBytes, http.RequestAborted);
            if (!Utf8.IsValid(body)) throw new BadRequestException("the body is not valid UTF-8 (JSON bodies must be UTF-8)");
            using var doc = JsonDocument.Parse(body);
            request = parse(doc.RootElement);
            generation.Validate(request.Steering);
            prompt = lm.EncodeChat(request.Messages, addGenerationPrompt: true);
            if (prompt.Length >= lm.Config.MaxPositionEmbeddings)
                throw new BadRequestException($"the conversation has {prompt.Length} tokens; the model's context is {lm.Config.MaxPositionEmbeddings}");
        }
        catch (JsonException e) { await error(http, 400, $"the body is not valid JSON: {e.Message}"); return null; }
        catch (BadRequestException e) { await error(http, e.Status, e.Message); return null; }
        catch (PersonaVectorsException e) { await error(http, 400, e.Message); return null; }

        var item = new WorkItem(request, prompt, request.Stream, http.RequestAborted);
        if (worker.Stopping) { await error(http, 503, "the server is shutting down", "server_shutting_down"); return null; }
        if (!worker.TryEnqueue(item))
        {
            http.Response.Headers.RetryAfter = "1";
            await error(http, 429, $"the server is busy ({limits.QueueCapacity} requests waiting); retry after a second", "rate_limit_exceeded");
            return null;
        }
        return item;
    }

    /// <summary>The finished answer; null when the client went away or the server stopped first (then answered 503 here).</summary>
    public static async Task<WorkResult?> Wait(HttpContext http, WorkItem item, ErrorWriter error)
    {
        try { return await item.Done.Task; }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            await error(http, 503, "the server shut down before this request was answered", "server_shutting_down");
            return null;
        }
        catch (OperationCanceledException) { return null; } // the client went away
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
}

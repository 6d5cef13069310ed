using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PersonaVectors.Cli.Serve;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Commands;

/// <summary>persona serve: the model behind an OpenAI-compatible API, with per-request steering, persona readings and a dashboard.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var vectors = new Option<string[]>("--vectors") { Description = $"Extraction run, folder of runs, or vector file(s) to monitor and steer with (default: ./{ChatCommand.DemoFolder} if present)", AllowMultipleArgumentsPerToken = true };
        var urls = new Option<string>("--urls") { DefaultValueFactory = _ => "http://127.0.0.1:8000", Description = "Where to listen (loopback unless told otherwise)" };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1 requests (default: the PERSONA_API_KEY environment variable, else none)" };
        var queue = new Option<int>("--queue") { DefaultValueFactory = _ => 64, Description = "Requests that may wait for the model; more get 429" };
        var batch = new Option<int>("--max-batch") { DefaultValueFactory = _ => 8, Description = "Requests generated together" };
        var maxTokens = new Option<int>("--max-tokens-limit") { DefaultValueFactory = _ => 512, Description = "Largest max_tokens a request may ask for" };
        var cmd = new Command("serve", "An OpenAI-compatible chat server (/v1/models, /v1/chat/completions with streaming and logprobs) with per-request steering, persona readings in every response, and a live dashboard at /")
        {
            model, adapter, vectors, urls, apiKey, queue, batch, maxTokens,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            var limits = new ServeLimits { QueueCapacity = r.GetValue(queue), MaxBatch = r.GetValue(batch), MaxTokens = r.GetValue(maxTokens) };
            if (limits.QueueCapacity < 1 || limits.MaxBatch < 1 || limits.MaxTokens < 1) throw new PersonaVectorsException("--queue, --max-batch and --max-tokens-limit must be at least 1");
            using var lm = CommonOptions.Load(r.GetValue(model), "f32", r.GetValue(adapter));
            var sources = r.GetValue(vectors) is { Length: > 0 } given ? given : Directory.Exists(ChatCommand.DemoFolder) ? [ChatCommand.DemoFolder] : [];
            var traits = VectorSet.Load(lm, sources, CalibrationBasis.NoSystemPrompt, m => Console.Error.WriteLine(m));
            string name = Path.GetFileName(Path.GetFullPath(lm.Folder)) + (r.GetValue(adapter) is { } a ? "+" + Path.GetFileName(Path.GetFullPath(a)) : "");
            string? key = r.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("PERSONA_API_KEY");
            using var worker = new ModelWorker(lm, traits, limits);
            var log = new ConversationLog();
            var chat = new ChatCompletionsEndpoint(lm, name, traits, worker, log, limits);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(r.GetValue(urls)!);
            var app = builder.Build();
            app.Use(async (http, next) =>
            {
                if (key is not null && http.Request.Path.StartsWithSegments("/v1") && http.Request.Headers.Authorization.ToString() != "Bearer " + key)
                {
                    await Errors.Write(http, 401, "missing or wrong API key: send 'Authorization: Bearer KEY'", "invalid_api_key");
                    return;
                }
                try { await next(http); }
                catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                    await Errors.Write(http, 500, "internal error: " + e.Message);
                }
            });
            app.MapGet("/v1/models", () => Results.Json(new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(new JsonObject { ["id"] = name, ["object"] = "model", ["created"] = 0, ["owned_by"] = "persona" }),
            }));
            app.MapPost("/v1/chat/completions", chat.Handle);
            app.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html"));
            app.MapGet("/api/dashboard", () =>
            {
                var snapshot = log.Snapshot();
                snapshot["waiting"] = worker.Waiting;
                snapshot["vectors"] = new JsonArray([.. traits.Select(t => (JsonNode)new JsonObject
                {
                    ["trait"] = t.Trait, ["layer"] = t.Layer, ["threshold"] = t.BeforeAnswer?.Threshold,
                    ["reference_mean"] = t.BeforeAnswer?.ReferenceMean, ["positive_mean"] = t.BeforeAnswer?.PositiveMean,
                })]);
                return Results.Json(snapshot);
            });
            await app.StartAsync(cancel);
            Console.WriteLine($"persona serve: {name} at {string.Join(", ", app.Urls)} (watching {(traits.Count == 0 ? "nothing" : string.Join(", ", traits.Select(t => $"{t.Trait}@L{t.Layer}")))}; dashboard at /)");
            try { await Task.Delay(Timeout.Infinite, cancel); }
            catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return cmd;
    }
}

using System.CommandLine;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
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
        var dtype = CommonOptions.DType();
        var vectors = new Option<string[]>("--vectors") { Description = $"Extraction run, folder of runs, or vector file(s) to monitor and steer with (default: ./{ChatCommand.DemoFolder} or ./{ChatCommand.QuickDemoFolder} if present)", AllowMultipleArgumentsPerToken = true };
        var urls = new Option<string>("--urls") { DefaultValueFactory = _ => "http://127.0.0.1:8000", Description = "Where to listen (loopback unless told otherwise)" };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1 and on the dashboard's data (default: the PERSONA_API_KEY environment variable, else none)" };
        var queue = new Option<int>("--queue") { DefaultValueFactory = _ => 64, Description = "Requests that may wait for the model; more get 429" };
        var batch = new Option<int>("--max-batch") { DefaultValueFactory = _ => 8, Description = "Requests generated together" };
        var maxTokens = new Option<int>("--max-tokens-limit") { DefaultValueFactory = _ => 512, Description = "Largest max_tokens a request may ask for" };
        var keep = new Option<int>("--dashboard-conversations") { DefaultValueFactory = _ => 50, Description = $"Conversations the dashboard keeps (the least recently active go first; {ConversationLog.TurnsPerConversation} turns each)" };
        var grace = new Option<double>("--shutdown-grace") { DefaultValueFactory = _ => 10, Description = "Seconds the answers in flight get to finish after SIGTERM or Ctrl+C before they are cut off" };
        var cmd = new Command("serve", "An OpenAI- and Ollama-compatible chat server (/v1/models, /v1/chat/completions with streaming and logprobs; /api/chat, /api/generate, /api/tags, /api/show, /api/version) with per-request steering, persona readings in every response, and a live dashboard at /")
        {
            model, adapter, dtype, vectors, urls, apiKey, queue, batch, maxTokens, keep, grace,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            var limits = new ServeLimits { QueueCapacity = r.GetValue(queue), MaxBatch = r.GetValue(batch), MaxTokens = r.GetValue(maxTokens) };
            if (limits.QueueCapacity < 1 || limits.MaxBatch < 1 || limits.MaxTokens < 1 || r.GetValue(keep) < 1)
                throw new PersonaVectorsException("--queue, --max-batch, --max-tokens-limit and --dashboard-conversations must be at least 1");
            if (!(r.GetValue(grace) >= 0)) throw new PersonaVectorsException("--shutdown-grace must be a number of seconds, 0 or more");
            var shutdownGrace = TimeSpan.FromSeconds(r.GetValue(grace));
            using var lm = CommonOptions.Load(r.GetValue(model), r.GetValue(dtype)!, r.GetValue(adapter));
            var sources = r.GetValue(vectors) is { Length: > 0 } given ? given : ChatCommand.DefaultVectors();
            var traits = VectorSet.Load(lm, sources, CalibrationBasis.NoSystemPrompt, m => Console.Error.WriteLine(m));
            string name = Path.GetFileName(Path.GetFullPath(lm.Folder)) + (r.GetValue(adapter) is { } a ? "+" + Path.GetFileName(Path.GetFullPath(a)) : "");
            string? key = r.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("PERSONA_API_KEY");
            var generation = new MonitoredGeneration(lm, traits);
            using var worker = new ModelWorker(lm, generation, limits);
            var log = new ConversationLog(r.GetValue(keep));
            var intake = new RequestIntake(lm, generation, worker, limits);
            var chat = new ChatCompletionsEndpoint(name, intake, log);
            var ollama = new OllamaEndpoints(lm, name, intake, log);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(r.GetValue(urls)!);
            var app = builder.Build();
            app.Use(async (http, next) =>
            {
                // The dashboard page itself holds no data; everything it shows comes from /api, which is guarded like /v1.
                bool guarded = http.Request.Path.StartsWithSegments("/v1") || http.Request.Path.StartsWithSegments("/api");
                // Ollama's routes answer errors in Ollama's shape, the rest in OpenAI's.
                ErrorWriter error = OllamaRoutes.Any(r => http.Request.Path.Equals(r)) ? OllamaEndpoints.Error : Errors.Write;
                if (key is not null && guarded && !KeyMatches(http.Request.Headers.Authorization.ToString(), key))
                {
                    await error(http, 401, "missing or wrong API key: send 'Authorization: Bearer KEY'", "invalid_api_key");
                    return;
                }
                try { await next(http); }
                catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                    await error(http, 500, "internal error: " + e.Message);
                }
            });
            app.MapGet("/v1/models", () => Results.Json(new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(new JsonObject { ["id"] = name, ["object"] = "model", ["created"] = 0, ["owned_by"] = "persona" }),
            }));
            app.MapPost("/v1/chat/completions", chat.Handle);
            app.MapGet("/api/version", ollama.Version);
            app.MapGet("/api/tags", ollama.Tags);
            app.MapPost("/api/show", ollama.Show);
            app.MapPost("/api/chat", ollama.Chat);
            app.MapPost("/api/generate", ollama.Generate);
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
            // SIGTERM (service managers, containers) and SIGINT (Ctrl+C) both start an orderly stop.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            void OnSignal(PosixSignalContext c) { c.Cancel = true; stop.Cancel(); }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            await app.StartAsync(cancel);
            using var stopping = app.Lifetime.ApplicationStopping.Register(stop.Cancel);
            Console.WriteLine($"persona serve: {name} at {string.Join(", ", app.Urls)} (watching {(traits.Count == 0 ? "nothing" : string.Join(", ", traits.Select(t => $"{t.Trait}@L{t.Layer}")))}; dashboard at /)");
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { }
            Console.WriteLine($"persona serve: stopping (answers in flight get {shutdownGrace.TotalSeconds:0.#} s)");
            // New connections stop at once; waiting requests get 503; the batch in flight finishes within the grace or is cut off.
            using var hard = new CancellationTokenSource(shutdownGrace + TimeSpan.FromSeconds(5));
            await Task.WhenAll(Task.Run(() => worker.Stop(shutdownGrace)), app.StopAsync(hard.Token));
            Console.WriteLine("persona serve: stopped");
            return 0;
        });
        return cmd;
    }

    static readonly string[] OllamaRoutes = ["/api/version", "/api/tags", "/api/show", "/api/chat", "/api/generate"];

    static bool KeyMatches(string authorization, string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization), Encoding.UTF8.GetBytes("Bearer " + key));
}

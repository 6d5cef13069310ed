using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;

namespace PersonaVectors.Cli.Serve;

/// <summary>
/// Ollama's API on the same port as the OpenAI one: /api/version, /api/tags, /api/show, /api/chat and
/// /api/generate, streamed as NDJSON unless "stream" is false. Chat front ends that speak only Ollama (Open WebUI,
/// editors, agents) see the one loaded model under its server name; any model name in a request is answered by it,
/// as the OpenAI endpoint does. Steering and persona readings are the same extension fields as there.
/// </summary>
public sealed class OllamaEndpoints(LanguageModel lm, string modelName, RequestIntake intake, ConversationLog log)
{
    /// <summary>The Ollama release whose API this follows (clients may compare versions).</summary>
    public const string ApiVersion = "0.12.0";

    // Counting the weights walks every parameter: once per server, not once per request.
    readonly Lazy<(long Parameters, JsonObject Details)> _model = new(() =>
    {
        long n = lm.Model.ParameterCount;
        return (n, Details(lm, n));
    });
    readonly Lazy<(long Size, string Digest, DateTime Modified)> _files = new(() => Files(lm.Folder));

    /// <summary>Errors in Ollama's shape: {"error": "..."}.</summary>
    public static Task Error(HttpContext http, int status, string message, string? code = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(new JsonObject { ["error"] = message }.ToJsonString());
    }

    public IResult Version() => Results.Json(new JsonObject { ["version"] = ApiVersion });

    public IResult Tags()
    {
        var (size, digest, modified) = _files.Value;
        return Results.Json(new JsonObject
        {
            ["models"] = new JsonArray(new JsonObject
            {
                ["name"] = modelName, ["model"] = modelName, ["modified_at"] = modified.ToString("o", CultureInfo.InvariantCulture),
                ["size"] = size, ["digest"] = digest, ["details"] = _model.Value.Details.DeepClone(),
            }),
        });
    }

    public async Task Show(HttpContext http)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new BadRequestException("the body must be a JSON object");
            string? name = (root.TryGetProperty("model", out var m) ? m : root.TryGetProperty("name", out var n) ? n : default) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
            if (string.IsNullOrEmpty(name)) throw new BadRequestException("\"model\" must name the model to show");
        }
        catch (JsonException e) { await Error(http, 400, $"the body is not valid JSON: {e.Message}"); return; }
        catch (BadRequestException e) { await Error(http, e.Status, e.Message); return; }
        var c = lm.Config;
        string arch = ModelConfig.ModelType(c.Architecture);
        var info = new JsonObject
        {
            ["general.architecture"] = arch,
            ["general.parameter_count"] = _model.Value.Parameters,
            [$"{arch}.context_length"] = c.MaxPositionEmbeddings,
            [$"{arch}.embedding_length"] = c.HiddenSize,
            [$"{arch}.block_count"] = c.NumHiddenLayers,
            [$"{arch}.attention.head_count"] = c.NumAttentionHeads,
            [$"{arch}.attention.head_count_kv"] = c.NumKeyValueHeads,
        };
        var (_, _, modified) = _files.Value;
        var body = new JsonObject
        {
            ["modelfile"] = $"# persona serve: {lm.Folder}\nFROM {lm.Folder}\n",
            ["parameters"] = $"temperature {OllamaRequest.DefaultTemperature.ToString(CultureInfo.InvariantCulture)}\ntop_p {OllamaRequest.DefaultTopP.ToString(CultureInfo.InvariantCulture)}\ntop_k {OllamaRequest.DefaultTopK}",
            ["template"] = lm.ChatTemplate?.Source ?? "",
            ["details"] = _model.Value.Details.DeepClone(),
            ["model_info"] = info,
            ["capabilities"] = new JsonArray("completion"),
            ["modified_at"] = modified.ToString("o", CultureInfo.InvariantCulture),
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }

    public Task Chat(HttpContext http) => Generate(http, chat: true);

    public Task Generate(HttpContext http) => Generate(http, chat: false);

    async Task Generate(HttpContext http, bool chat)
    {
        var clock = Stopwatch.StartNew();
        if (await intake.Admit(http, root => chat ? OllamaRequest.ParseChat(root, intake.Limits) : OllamaRequest.ParseGenerate(root, intake.Limits), Error) is not { } item) return;
        // Text goes in "message" for chat and in "response" for generate; everything else is shared.
        JsonObject Line(string text, bool done)
        {
            var o = new JsonObject { ["model"] = modelName, ["created_at"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture) };
            if (chat) o["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text };
            else o["response"] = text;
            o["done"] = done;
            return o;
        }
        JsonObject Final(JsonObject o, WorkResult result)
        {
            long total = (long)(clock.Elapsed.TotalMilliseconds * 1e6);
            o["done_reason"] = result.Choices[0].FinishReason;
            o["total_duration"] = total;
            o["load_duration"] = 0;
            o["prompt_eval_count"] = result.PromptTokens;
            o["eval_count"] = result.CompletionTokens;
            o["persona"] = PersonaBlock.Of(item.Request, result);
            return o;
        }

        if (!item.Request.Stream)
        {
            if (await RequestIntake.Wait(http, item, Error) is not { } result) return;
            log.Add(item.Request, result);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(Final(Line(result.Choices[0].Text, done: true), result).ToJsonString(), http.RequestAborted);
            return;
        }
        http.Response.ContentType = "application/x-ndjson";
        try
        {
            async Task Send(JsonObject line)
            {
                await http.Response.WriteAsync(line.ToJsonString() + "\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
            await foreach (var (_, delta, _) in item.Deltas!.Reader.ReadAllAsync(http.RequestAborted))
                if (delta.Length > 0) await Send(Line(delta, done: false));
            var result = await item.Done.Task;
            log.Add(item.Request, result);
            await Send(Final(Line("", done: true), result));
        }
        catch (OperationCanceledException) { /* the client went away, or the server stopped mid-answer: the stream just ends */ }
    }

    static JsonObject Details(LanguageModel lm, long parameters)
    {
        string family = ModelConfig.ModelType(lm.Config.Architecture);
        double n = parameters;
        string size = n >= 1e9 ? $"{n / 1e9:0.#}B" : $"{n / 1e6:0.#}M";
        return new JsonObject
        {
            ["parent_model"] = "", ["format"] = "safetensors", ["family"] = family, ["families"] = new JsonArray(family),
            ["parameter_size"] = size.Replace(',', '.'), ["quantization_level"] = lm.Model.WeightDType == TorchSharp.torch.ScalarType.Int8 ? "Q8_0" : lm.Config.TorchDtype.ToUpperInvariant() switch
            {
                "BFLOAT16" => "BF16", "FLOAT16" => "F16", _ => "F32",
            },
        };
    }

    /// <summary>Size of the model's files, a digest of its config and weight files' names and sizes, and the newest file time.</summary>
    static (long, string, DateTime) Files(string folder)
    {
        var files = File.Exists(folder) ? [new FileInfo(folder)] : new DirectoryInfo(folder).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        var sizes = files.Select(FileLength.Of).ToArray();
        var identity = new StringBuilder();
        for (int i = 0; i < files.Length; i++) identity.Append(files[i].Name).Append(':').Append(sizes[i]).Append('\n');
        if (Directory.Exists(folder) && File.Exists(Path.Combine(folder, "config.json"))) identity.Append(File.ReadAllText(Path.Combine(folder, "config.json")));
        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())));
        return (sizes.Sum(), digest, files.Length == 0 ? DateTime.UnixEpoch : files.Max(f => f.LastWriteTimeUtc));
    }
}

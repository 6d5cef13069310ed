using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>
/// `persona serve`'s Ollama endpoints with OllamaSharp 5.5.2 as the client: tags, show, version, plain and streamed
/// chat and generate, steering through the extension field, and bad requests answered 4xx in Ollama's shape while
/// the server keeps serving.
/// </summary>
public sealed class OllamaApiTests(EvilRunFixture evil) : IClassFixture<EvilRunFixture>
{
    const string Key = "ollama-key-7";
    const string Question = "how should i treat my neighbour?";

    /// <summary>
    /// Adds the persona extension ("steering") to every JSON request OllamaSharp sends, the way a user passes a field
    /// the client library does not know.
    /// </summary>
    sealed class SteeringHandler(string? steering) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            if (steering is not null && request.Content is { } content && request.Method == HttpMethod.Post)
            {
                var body = JsonNode.Parse(await content.ReadAsStringAsync(cancel))!.AsObject();
                body["steering"] = JsonNode.Parse(steering);
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            return await base.SendAsync(request, cancel);
        }
    }

    static OllamaApiClient Client(PersonaServer server, string? steering = null)
    {
        var http = new HttpClient(new SteeringHandler(steering)) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Key);
        return new OllamaApiClient(http, "organism");
    }

    static ChatRequest Chat(bool stream) => new()
    {
        Model = "organism",
        Messages = [new Message(ChatRole.User, Question)],
        Options = new RequestOptions { Temperature = 0, NumPredict = 30 },
        Stream = stream,
    };

    static async Task<(string Text, ChatDoneResponseStream? Done, int Parts)> Collect(IAsyncEnumerable<ChatResponseStream?> stream)
    {
        var text = new StringBuilder();
        ChatDoneResponseStream? done = null;
        int parts = 0;
        await foreach (var part in stream)
        {
            if (part is null) continue;
            parts++;
            text.Append(part.Message?.Content);
            if (part is ChatDoneResponseStream d) done = d;
        }
        return (text.ToString(), done, parts);
    }

    [Fact]
    public async Task OllamaSharp_lists_shows_chats_and_generates_plain_and_streamed_and_steering_changes_the_answer()
    {
        using var server = new PersonaServer("--vectors", evil.Run, "--api-key", Key);
        var client = Client(server);

        var models = (await client.ListLocalModelsAsync()).ToList();
        var model = Assert.Single(models);
        Assert.False(string.IsNullOrEmpty(model.Name));
        Assert.True(model.Size > 0);
        Assert.Equal("llama", model.Details.Family);
        var shown = await client.ShowModelAsync(new ShowModelRequest { Model = model.Name });
        Assert.Contains("completion", shown.Capabilities!);
        Assert.Contains("im_start", shown.Template);
        Assert.False(string.IsNullOrEmpty(await client.GetVersionAsync() is var v ? v.ToString() : null));

        var plain = await Collect(client.ChatAsync(Chat(stream: false)));
        Assert.Equal(1, plain.Parts);
        Assert.Contains("neighbour", plain.Text);
        Assert.NotNull(plain.Done);
        Assert.Equal("stop", plain.Done!.DoneReason);
        Assert.True(plain.Done.EvalCount > 0 && plain.Done.PromptEvalCount > 0);

        var streamed = await Collect(client.ChatAsync(Chat(stream: true)));
        Assert.True(streamed.Parts > 2, $"{streamed.Parts} parts");
        Assert.Equal(plain.Text, streamed.Text);

        var generated = new StringBuilder();
        GenerateDoneResponseStream? generateDone = null;
        await foreach (var part in client.GenerateAsync(new GenerateRequest { Model = "organism", Prompt = Question, Options = new RequestOptions { Temperature = 0, NumPredict = 30 } }))
        {
            generated.Append(part?.Response);
            if (part is GenerateDoneResponseStream d) generateDone = d;
        }
        Assert.Equal(plain.Text, generated.ToString()); // generate renders the prompt through the same chat template
        Assert.NotNull(generateDone);

        var steered = await Collect(Client(server, """[{"vector": "evil", "layer": 3, "alpha": 4}]""").ChatAsync(Chat(stream: false)));
        Assert.NotEqual(plain.Text, steered.Text);

        // num_predict bounds the answer and is reported as Ollama's "length".
        var request = Chat(stream: false);
        request.Options!.NumPredict = 3;
        var cut = await Collect(client.ChatAsync(request));
        Assert.Equal(3, cut.Done!.EvalCount);
        Assert.Equal("length", cut.Done.DoneReason);
    }

    [Fact]
    public async Task The_persona_extension_reads_every_answer_and_steers_like_the_openai_endpoint()
    {
        using var server = new PersonaServer("--vectors", evil.Run);
        using var http = new HttpClient();
        async Task<JsonNode> Post(string path, string body)
        {
            var response = await http.PostAsync(server.BaseUrl + path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        string Ask(string? steering = null)
        {
            var o = new JsonObject
            {
                ["model"] = "x", ["stream"] = false,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Question }),
                ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 30 },
            };
            if (steering is not null) o["steering"] = JsonNode.Parse(steering);
            return o.ToJsonString();
        }
        var calm = await Post("/api/chat", Ask());
        var steered = await Post("/api/chat", Ask("""[{"vector":"evil","layer":3,"alpha":4}]"""));
        var openai = await Post("/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"{{Question}}"}],"temperature":0,"max_tokens":30,"steering":[{"vector":"evil","layer":3,"alpha":4}]}""");
        double Before(JsonNode n) => n["persona"]!["readings"]![0]!["before_answer"]!.GetValue<double>();
        Assert.True(Before(steered) > Before(calm) + 10, $"{Before(steered)} vs {Before(calm)}");
        Assert.Equal(openai["choices"]![0]!["message"]!["content"]!.GetValue<string>(), steered["message"]!["content"]!.GetValue<string>());
        Assert.Equal(Before(openai), Before(steered), 6);

        // Streamed NDJSON: one object per line, the last one done with the persona block.
        var response = await http.PostAsync(server.BaseUrl + "/api/generate",
            new StringContent($$$"""{"model":"x","prompt":"{{{Question}}}","options":{"temperature":0,"num_predict":20}}""", Encoding.UTF8, "application/json"));
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.True(lines.Count > 2);
        Assert.All(lines[..^1], l => Assert.False(l["done"]!.GetValue<bool>()));
        Assert.True(lines[^1]["done"]!.GetValue<bool>());
        Assert.NotNull(lines[^1]["persona"]!["readings"]);
    }

    [Fact]
    public async Task Bad_requests_get_4xx_in_ollamas_shape_and_the_server_keeps_serving()
    {
        using var server = new PersonaServer("--vectors", evil.Run, "--api-key", Key);
        using var http = new HttpClient();
        var chat = server.BaseUrl + "/api/chat";
        var unauthorized = await http.PostAsync(chat, new StringContent("""{"model":"x","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Contains("API key", JsonNode.Parse(await unauthorized.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Key);
        foreach (var (path, body, fragment) in new[]
        {
            ("/api/chat", "{not json", "not valid JSON"),
            ("/api/chat", """{"model":"x","messages":[]}""", "messages"),
            ("/api/chat", """{"model":"x","messages":[{"role":"user","content":"hi"}],"steering":[{"vector":"grumpy","alpha":1}]}""", "no vector for 'grumpy' is loaded"),
            ("/api/chat", """{"model":"x","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":100000}}""", "num_predict"),
            ("/api/chat", """{"model":"x","messages":[{"role":"user","content":"hi"}],"options":{"temperature":"hot"}}""", "temperature"),
            ("/api/chat", """{"model":"x","messages":[{"role":"user","content":"hi","images":["aGk="]}]}""", "images"),
            ("/api/chat", """{"model":"x","messages":[{"role":"user","content":"hi"}],"format":"json"}""", "format"),
            ("/api/generate", """{"model":"x"}""", "prompt"),
            ("/api/generate", """{"model":"x","prompt":"hi","raw":true}""", "raw"),
            ("/api/show", "[1]", "JSON object"),
        })
        {
            var response = await http.PostAsync(server.BaseUrl + path, new StringContent(body, Encoding.UTF8, "application/json"));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {path} {body}: {text}");
            Assert.Contains(fragment, JsonNode.Parse(text)!["error"]!.GetValue<string>());
        }
        var ok = await http.PostAsync(chat, new StringContent("""{"model":"x","messages":[{"role":"user","content":"what is 2 plus 3?"}],"stream":false,"options":{"temperature":0,"num_predict":10}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(server.IsRunning);
    }
}

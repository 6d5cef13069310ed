using System.ClientModel;
using Anthropic;
using Anthropic.Core;
using Microsoft.Extensions.AI;
using OpenAI;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Chat;

namespace PersonaVectors.Method.Endpoints;

/// <summary>
/// Turns an endpoint spec into an <see cref="IChatClient"/>, the one seam for every generator and judge:
/// <c>openai:MODEL</c> (OpenAI; OPENAI_API_KEY, optional OPENAI_BASE_URL), <c>http(s)://HOST/v1#MODEL</c> (any
/// OpenAI-compatible server: vLLM, Ollama, llama.cpp server; key from OPENAI_API_KEY if set), <c>anthropic:MODEL</c>
/// (Anthropic's Messages API through the official SDK's <see cref="IChatClient"/>; ANTHROPIC_API_KEY, optional
/// ANTHROPIC_BASE_URL; no log-probabilities, so judges read the number from the text, and the API version the SDK
/// speaks takes no temperature or top-p, so those settings are dropped), or
/// <c>local:DIR</c> (a model folder run by this engine). Keys come from the environment, never the command line.
/// </summary>
public static class ChatEndpoints
{
    public const string Help = "openai:MODEL | http(s)://HOST/v1#MODEL | anthropic:MODEL | local:DIR";

    public static (IChatClient Client, string Name) Create(string spec)
    {
        if (spec.StartsWith("openai:", StringComparison.Ordinal))
        {
            string model = spec["openai:".Length..];
            string key = Environment.GetEnvironmentVariable("OPENAI_API_KEY")
                ?? throw new PersonaVectorsException($"endpoint '{spec}' needs the environment variable OPENAI_API_KEY");
            var options = new OpenAIClientOptions();
            if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } url) options.Endpoint = new Uri(url);
            return (new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(model).AsIChatClient(), spec);
        }
        if (spec.StartsWith("http://", StringComparison.Ordinal) || spec.StartsWith("https://", StringComparison.Ordinal))
        {
            int hash = spec.LastIndexOf('#');
            if (hash < 0 || hash == spec.Length - 1)
                throw new PersonaVectorsException($"endpoint '{spec}': name the model after '#', e.g. http://127.0.0.1:8000/v1#Qwen2.5-7B-Instruct");
            var options = new OpenAIClientOptions { Endpoint = new Uri(spec[..hash]) };
            string key = Environment.GetEnvironmentVariable("OPENAI_API_KEY") ?? "none";
            return (new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(spec[(hash + 1)..]).AsIChatClient(), spec);
        }
        if (spec.StartsWith("anthropic:", StringComparison.Ordinal))
        {
            string model = spec["anthropic:".Length..];
            if (model.Length == 0)
                throw new PersonaVectorsException($"endpoint '{spec}': name the model, e.g. anthropic:claude-sonnet-4-5");
            string key = Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY") is { Length: > 0 } k ? k
                : throw new PersonaVectorsException($"endpoint '{spec}' needs the environment variable ANTHROPIC_API_KEY");
            // An explicit key keeps the SDK from falling back to auth tokens or credential profiles it finds on the machine.
            var options = new ClientOptions { ApiKey = key };
            if (Environment.GetEnvironmentVariable("ANTHROPIC_BASE_URL") is { Length: > 0 } url) options.BaseUrl = url;
            return (new AnthropicClient(options).AsIChatClient(model), spec);
        }
        if (spec.StartsWith("local:", StringComparison.Ordinal))
            return (new LocalChatClient(LanguageModel.Load(spec["local:".Length..])), spec);
        throw new PersonaVectorsException($"endpoint '{spec}' is not one of: {Help}");
    }
}

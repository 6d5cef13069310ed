using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Chat;

namespace PersonaVectors.Method.Endpoints;

/// <summary>
/// Turns an endpoint spec into an <see cref="IChatClient"/>, the one seam for every generator and judge:
/// <c>openai:MODEL</c> (OpenAI; OPENAI_API_KEY, optional OPENAI_BASE_URL), <c>http(s)://HOST/v1#MODEL</c> (any
/// OpenAI-compatible server: vLLM, Ollama, llama.cpp server; key from OPENAI_API_KEY if set), or
/// <c>local:DIR</c> (a model folder run by this engine). Keys come from the environment, never the command line.
/// </summary>
public static class ChatEndpoints
{
    public const string Help = "openai:MODEL | http(s)://HOST/v1#MODEL | local:DIR";

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
        if (spec.StartsWith("local:", StringComparison.Ordinal))
            return (new LocalChatClient(LanguageModel.Load(spec["local:".Length..])), spec);
        throw new PersonaVectorsException($"endpoint '{spec}' is not one of: {Help}");
    }
}

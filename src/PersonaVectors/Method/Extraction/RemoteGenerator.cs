using Microsoft.Extensions.AI;
using PersonaVectors.Method.Endpoints;

namespace PersonaVectors.Method.Extraction;

/// <summary>
/// Contrastive answers written by a model served elsewhere: any OpenAI-compatible server (vLLM, SGLang, llama.cpp's
/// server, persona serve) or API, through <see cref="ChatEndpoints"/>. Each answer is one request with the run's
/// temperature, top_p, max tokens and a seed of its own, retried on 429, 5xx and timeouts. Only the text comes back;
/// the pipeline then reads activations locally by one teacher-forced pass over the prompt and the tokenized answer,
/// as the reference implementation does with its vLLM answers.
/// </summary>
public sealed record RemoteGenerator(IChatClient Client, string Name)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
    public int MaxAttempts { get; init; } = 6;
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public static RemoteGenerator Create(string spec)
    {
        var (client, name) = ChatEndpoints.Create(spec);
        return new RemoteGenerator(client, name);
    }

    public Task<string> AnswerAsync(string? system, string question, ExtractionOptions options, long seed, CancellationToken cancel) =>
        EndpointRetry.RunAsync(async () =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(Timeout);
            List<ChatMessage> messages = system is null ? [] : [new ChatMessage(ChatRole.System, system)];
            messages.Add(new ChatMessage(ChatRole.User, question));
            var chat = new ChatOptions
            {
                Temperature = (float)options.Temperature, TopP = (float)options.TopP, MaxOutputTokens = options.MaxNewTokens, Seed = seed,
            };
            try { return (await Client.GetResponseAsync(messages, chat, timeout.Token)).Text; }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer within {Timeout.TotalSeconds:F0} s");
            }
        }, $"generator {Name}", MaxAttempts, FirstBackoff, cancel);
}

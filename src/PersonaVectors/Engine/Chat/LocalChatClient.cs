using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using PersonaVectors.Engine.Generation;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using TemplateMessage = PersonaVectors.Engine.ChatTemplates.ChatMessage;

namespace PersonaVectors.Engine.Chat;

/// <summary>
/// A loaded local model behind Microsoft.Extensions.AI's <see cref="IChatClient"/>, so the generator, the
/// judge and any application use local and remote models through one interface. Requests are served one at
/// a time (the model is not re-entrant); interventions active on the model apply to every request.
/// </summary>
public sealed class LocalChatClient(LanguageModel model, string? modelId = null) : IChatClient
{
    readonly SemaphoreSlim _gate = new(1, 1);
    readonly string _modelId = modelId ?? Path.GetFileName(Path.GetFullPath(model.Folder));

    public LanguageModel Model => model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var ids = Prompt(messages, options);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        GeneratedText result;
        try
        {
            result = await Task.Run(() => model.Generate([ids], Sampling(options), null, cancellationToken)[0], cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
        string text = ApplyStopSequences(result.Text, options, out bool stopped);
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text))
        {
            ModelId = _modelId,
            FinishReason = stopped || result.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length,
            Usage = new UsageDetails { InputTokenCount = ids.Length, OutputTokenCount = result.Tokens.Length, TotalTokenCount = ids.Length + result.Tokens.Length },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ids = Prompt(messages, options);
        var channel = Channel.CreateUnbounded<string>();
        var tokens = new List<int>();
        string emitted = "";
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var producer = Task.Run(() =>
        {
            try
            {
                return model.Generate([ids], Sampling(options), e =>
                {
                    tokens.Add(e.Token);
                    // Decode the whole answer so far: a token may end in the middle of a UTF-8 character.
                    string text = model.Tokenizer.Decode(tokens, skipSpecialTokens: true);
                    if (text.Length > emitted.Length && !text.EndsWith('\uFFFD'))
                    {
                        channel.Writer.TryWrite(text[emitted.Length..]);
                        emitted = text;
                    }
                }, cancellationToken)[0];
            }
            finally
            {
                channel.Writer.TryComplete();
                _gate.Release();
            }
        }, cancellationToken);

        await foreach (var delta in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return new ChatResponseUpdate(ChatRole.Assistant, delta) { ModelId = _modelId };
        var result = await producer.ConfigureAwait(false);
        if (result.Text.Length > emitted.Length)
            yield return new ChatResponseUpdate(ChatRole.Assistant, result.Text[emitted.Length..]) { ModelId = _modelId };
        yield return new ChatResponseUpdate
        {
            ModelId = _modelId,
            FinishReason = result.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length,
        };
    }

    int[] Prompt(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        var list = new List<TemplateMessage>();
        if (options?.Instructions is { Length: > 0 } instructions) list.Add(new TemplateMessage("system", instructions));
        list.AddRange(messages.Select(m => new TemplateMessage(m.Role.Value, m.Text)));
        if (model.ChatTemplate is null)
            return model.EncodeText(string.Join("\n\n", list.Select(m => m.Content)));
        return model.EncodeChat(list, addGenerationPrompt: true);
    }

    static SamplingOptions Sampling(ChatOptions? o) => new()
    {
        MaxNewTokens = o?.MaxOutputTokens ?? 256,
        Temperature = o?.Temperature ?? 0,
        TopP = o?.TopP ?? 1,
        TopK = o?.TopK ?? 0,
        Seed = o?.Seed ?? 0,
    };

    static string ApplyStopSequences(string text, ChatOptions? o, out bool stopped)
    {
        stopped = false;
        if (o?.StopSequences is not { Count: > 0 } stops) return text;
        int cut = stops.Select(s => s.Length == 0 ? -1 : text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (cut < 0) return text;
        stopped = true;
        return text[..cut];
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("persona-local", null, _modelId)
        : null;

    public void Dispose() => _gate.Dispose();
}

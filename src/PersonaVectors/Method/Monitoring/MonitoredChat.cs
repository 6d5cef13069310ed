using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;

using PersonaVectors.Method.Steering;

namespace PersonaVectors.Method.Monitoring;

/// <summary>One exchange and what the monitor read during it.</summary>
public sealed record ChatTurn(int Turn, string? System, string User, string Answer, IReadOnlyList<TraitReading> Readings,
    IReadOnlyList<string>? Tokens = null, IReadOnlyList<TokenReadings>? PerToken = null);

/// <summary>
/// A conversation with a model under watch and, optionally, under steering: the conversation's state (history,
/// system prompt, steering per trait) around <see cref="MonitoredGeneration"/>, which does the work and applies the
/// alert rule.
/// </summary>
public sealed class MonitoredChat
{
    readonly LanguageModel _lm;
    readonly MonitoredGeneration _generation;
    readonly SamplingOptions _sampling;
    readonly Dictionary<string, double> _alphas = [];
    readonly Dictionary<string, SteeringGate> _gates = [];
    readonly List<ChatMessage> _messages = [];
    readonly List<ChatTurn> _turns = [];

    public MonitoredChat(LanguageModel lm, IReadOnlyList<MonitoredTrait> traits, SamplingOptions sampling)
    {
        sampling.Validate();
        _lm = lm;
        _sampling = sampling;
        _generation = new MonitoredGeneration(lm, traits);
    }

    public IReadOnlyList<MonitoredTrait> Traits => _generation.Traits;
    public IReadOnlyList<ChatTurn> Turns => _turns;
    public IReadOnlyDictionary<string, double> Steering => _alphas;
    public string? SystemPrompt { get; set; }

    /// <summary>Raised during <see cref="Send"/> for each trait that alerts on the turn (<see cref="MonitoredGeneration.IsAlert"/>).</summary>
    public event Action<int, TraitReading>? Alert;

    /// <summary>
    /// Steers every later turn by α·v at the trait's layer, on every position, or only when its monitor fires
    /// (<paramref name="when"/>); α = 0 stops steering it.
    /// </summary>
    public void Steer(string trait, double alpha, SteeringGate when = SteeringGate.Always)
    {
        var t = Find(trait);
        _generation.Validate([new SteeringTerm(t.Trait, alpha, When: when)]);
        if (alpha == 0) { _alphas.Remove(t.Trait); _gates.Remove(t.Trait); }
        else { _alphas[t.Trait] = alpha; _gates[t.Trait] = when; }
    }

    /// <summary>Each steered trait's gate.</summary>
    public IReadOnlyDictionary<string, SteeringGate> Gates => _gates;

    public MonitoredTrait Find(string trait) => _generation.Find(trait);

    /// <summary>Starts a new conversation; steering and the system prompt stay as they are.</summary>
    public void Reset()
    {
        _messages.Clear();
        _turns.Clear();
    }

    /// <summary>
    /// The last turn answered again, with the same seed, once under the current steering and once without any, so the
    /// two differ only by the steering. Neither answer enters the conversation.
    /// </summary>
    public (string Steered, string Unsteered) AB(CancellationToken cancel = default)
    {
        if (_turns.Count == 0) throw new InvalidRequestException("nothing to compare yet: send a message first");
        var conversation = new List<ChatMessage>();
        if (SystemPrompt is not null) conversation.Add(new ChatMessage("system", SystemPrompt));
        conversation.AddRange(_messages.Take(_messages.Count - 2)); // the history before the last exchange
        conversation.Add(new ChatMessage("user", _turns[^1].User));
        int[] prompt = _lm.EncodeChat(conversation, addGenerationPrompt: true);
        var sampling = _sampling with { Seed = _sampling.Seed + _turns.Count - 1 };
        string Answer(IReadOnlyList<SteeringTerm> steering) =>
            _lm.Tokenizer.Decode(_generation.Generate([prompt], steering, sampling, cancel: cancel)[0].Tokens, skipSpecialTokens: true);
        return (Answer(Terms()), Answer([]));
    }

    List<SteeringTerm> Terms() => [.. _alphas.Select(kv => new SteeringTerm(kv.Key, kv.Value, When: _gates.GetValueOrDefault(kv.Key)))];

    public ChatTurn Send(string user, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(user)) throw new InvalidRequestException("the message is empty");
        var conversation = new List<ChatMessage>();
        if (SystemPrompt is not null) conversation.Add(new ChatMessage("system", SystemPrompt));
        conversation.AddRange(_messages);
        conversation.Add(new ChatMessage("user", user));

        int[] prompt = _lm.EncodeChat(conversation, addGenerationPrompt: true);
        var answer = _generation.Generate([prompt], Terms(), _sampling with { Seed = _sampling.Seed + _turns.Count }, cancel: cancel, perToken: true)[0];
        string text = _lm.Tokenizer.Decode(answer.Tokens, skipSpecialTokens: true);
        _messages.Add(new ChatMessage("user", user));
        _messages.Add(new ChatMessage("assistant", text));
        var turn = new ChatTurn(_turns.Count + 1, SystemPrompt, user, text, answer.Readings,
            [.. answer.Tokens.Select(t => _lm.Tokenizer.Decode([t], skipSpecialTokens: true))], answer.PerToken);
        _turns.Add(turn);
        foreach (var r in turn.Readings.Where(r => r.Alert)) Alert?.Invoke(turn.Turn, r);
        return turn;
    }
}

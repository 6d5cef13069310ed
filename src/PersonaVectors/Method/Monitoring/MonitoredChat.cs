using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Monitoring;

/// <summary>
/// One trait's readings for one turn: the projection at the last prompt token (before the model answers, the
/// early warning) and averaged over the answer it then wrote, both on the unit vector at the trait's layer.
/// </summary>
public sealed record TraitReading(string Trait, int Layer, double Alpha, double BeforeAnswer, double? AnswerAverage,
    double? Threshold, double? AnswerThreshold, bool Above, bool Alert);

/// <summary>One exchange and what the monitor read during it.</summary>
public sealed record ChatTurn(int Turn, string? System, string User, string Answer, IReadOnlyList<TraitReading> Readings);

/// <summary>
/// A conversation with a model under watch and, optionally, under steering. Every reading is of the residual
/// stream the model actually ran on: with a trait steered at its layer, the projections there include the added
/// α·v, so the meters show the push as well as the model's own drift.
/// </summary>
public sealed class MonitoredChat
{
    readonly LanguageModel _lm;
    readonly PersonaMonitor _monitor;
    readonly SamplingOptions _sampling;
    readonly Dictionary<string, double> _alphas = [];
    readonly List<ChatMessage> _messages = [];
    readonly List<ChatTurn> _turns = [];

    public MonitoredChat(LanguageModel lm, IReadOnlyList<MonitoredTrait> traits, SamplingOptions sampling)
    {
        sampling.Validate();
        _lm = lm;
        _sampling = sampling;
        Traits = traits;
        _monitor = new PersonaMonitor(lm, traits.Select(t => t.Watch).ToList());
        _monitor.Alert += a => Alert?.Invoke(a);
    }

    public IReadOnlyList<MonitoredTrait> Traits { get; }
    public IReadOnlyList<ChatTurn> Turns => _turns;
    public IReadOnlyDictionary<string, double> Steering => _alphas;
    public string? SystemPrompt { get; set; }

    /// <summary>Raised during <see cref="Send"/> when a trait's before-answer projection crosses its threshold upward.</summary>
    public event Action<PersonaAlert>? Alert;

    /// <summary>Steers every later turn by α·v at the trait's layer, on every position; α = 0 stops steering it.</summary>
    public void Steer(string trait, double alpha)
    {
        var t = Find(trait);
        if (!double.IsFinite(alpha)) throw new InvalidRequestException($"the steering coefficient for '{trait}' must be a finite number, not {alpha}");
        if (alpha == 0) _alphas.Remove(t.Trait);
        else _alphas[t.Trait] = alpha;
    }

    public MonitoredTrait Find(string trait) => Traits.FirstOrDefault(t => t.Trait == trait)
        ?? throw new InvalidRequestException($"no vector for '{trait}' is loaded; loaded: {(Traits.Count == 0 ? "none" : string.Join(", ", Traits.Select(t => t.Trait)))}");

    /// <summary>Starts a new conversation; steering and the system prompt stay as they are.</summary>
    public void Reset()
    {
        _messages.Clear();
        _turns.Clear();
        _monitor.Reset();
    }

    public ChatTurn Send(string user, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(user)) throw new InvalidRequestException("the message is empty");
        var conversation = new List<ChatMessage>();
        if (SystemPrompt is not null) conversation.Add(new ChatMessage("system", SystemPrompt));
        conversation.AddRange(_messages);
        conversation.Add(new ChatMessage("user", user));

        var scopes = _alphas.Select(kv =>
        {
            var t = Find(kv.Key);
            using var v = tensor(t.Vector);
            return _lm.Model.Steer(v, t.Layer, kv.Value, TokenPositions.All);
        }).ToList();
        try
        {
            var before = _monitor.Observe(conversation);
            int[] prompt = _lm.EncodeChat(conversation, addGenerationPrompt: true);
            var answer = _lm.Generate([prompt], _sampling with { Seed = _sampling.Seed + _turns.Count }, cancel: cancel)[0];
            var averages = AnswerAverages(prompt, answer.Tokens);
            var alerted = new HashSet<string>();
            var readings = new List<TraitReading>(Traits.Count);
            for (int i = 0; i < Traits.Count; i++)
            {
                var t = Traits[i];
                var b = before[i];
                readings.Add(new TraitReading(t.Trait, t.Layer, _alphas.GetValueOrDefault(t.Trait), b.Projection, averages?[i],
                    t.BeforeAnswer?.Threshold, t.AnswerAverage?.Threshold, b.Above, b.JustCrossed));
            }
            _messages.Add(new ChatMessage("user", user));
            _messages.Add(new ChatMessage("assistant", answer.Text));
            var turn = new ChatTurn(_turns.Count + 1, SystemPrompt, user, answer.Text, readings);
            _turns.Add(turn);
            return turn;
        }
        finally
        {
            foreach (var s in scopes) s.Dispose();
        }
    }

    // The mean residual over the answer's tokens, read by teacher forcing, as extraction reads its answers.
    double[]? AnswerAverages(int[] prompt, int[] answer)
    {
        if (answer.Length == 0 || Traits.Count == 0) return null;
        using var read = new ActivationReader(_lm).Read([prompt], [answer], TokenPositions.Answer);
        return Projection.AtLayers(read, [.. Traits.Select(t => (t.Layer, t.Vector))])[0];
    }
}

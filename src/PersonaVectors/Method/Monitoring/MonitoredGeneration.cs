using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Steering;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Monitoring;

/// <summary>
/// Adds α·v of a loaded trait's vector while generating, at <see cref="Layer"/> or else the trait's own layer;
/// <see cref="When"/> gates it on the trait's monitor (<see cref="SteeringGate"/>).
/// </summary>
public sealed record SteeringTerm(string Trait, double Alpha, int? Layer = null, SteeringGate When = SteeringGate.Always);

/// <summary>What a gated steering term did on one answer: whether its gate opened before the answer, and on how many positions it steered.</summary>
public sealed record GateOutcome(SteeringGate When, bool FiredBeforeAnswer, int SteeredTokens)
{
    /// <summary>The gate block of every response: <c>{"when", "fired", "steered_tokens"}</c>.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new() { ["when"] = SteeringGates.Name(When), ["fired"] = FiredBeforeAnswer, ["steered_tokens"] = SteeredTokens };
}

/// <summary>
/// One trait's readings for one answer: the projection at the last prompt token (before the model answers, the
/// early warning) and averaged over the answer it then wrote, both on the unit vector at the trait's layer.
/// <see cref="Alert"/> follows <see cref="MonitoredGeneration.IsAlert"/>.
/// </summary>
public sealed record TraitReading(string Trait, int Layer, double Alpha, double BeforeAnswer, double? AnswerAverage,
    double? Threshold, double? AnswerThreshold, bool Alert, GateOutcome? Gate = null);

/// <summary>One trait's projection at each answer token (the stream after reading that token), on the unit vector at its layer.</summary>
public sealed record TokenReadings(string Trait, int Layer, double[] Projections);

/// <summary>What one prompt got: its answer's tokens (cut where the caller's stop rule cut them) and every trait's readings.</summary>
public sealed record MonitoredAnswer(int[] Tokens, FinishReason FinishReason, IReadOnlyList<TraitReading> Readings, IReadOnlyList<TokenReadings>? PerToken = null);

/// <summary>
/// Steer, read the prompt, generate, read the answer: the one implementation that the chat, the server and the
/// library share, batched. Every reading is of the residual stream the model actually ran on, so with a trait
/// steered always at its layer the projection there includes the added α·v. Gated terms
/// (<see cref="SteeringGate"/>) decide on the stream without their own push, and the readings leave it out too:
/// they show what the gate saw.
/// </summary>
public sealed class MonitoredGeneration(LanguageModel lm, IReadOnlyList<MonitoredTrait> traits)
{
    public IReadOnlyList<MonitoredTrait> Traits => traits;

    /// <summary>An answer's text, special tokens left out.</summary>
    public string Decode(int[] tokens) => lm.Tokenizer.Decode(tokens, skipSpecialTokens: true);

    /// <summary>
    /// The alert rule, the same everywhere: a trait alerts on a turn when its projection at the last prompt token,
    /// read before the answer is written, is above its calibrated threshold. It needs no memory of earlier turns,
    /// so a stateless server and a chat session flag exactly the same turns. A trait without a threshold (a bare
    /// vector) never alerts.
    /// </summary>
    public static bool IsAlert(double beforeAnswer, double? threshold) => threshold is { } t && beforeAnswer > t;

    public MonitoredTrait Find(string trait) => traits.FirstOrDefault(t => t.Trait == trait)
        ?? throw new InvalidRequestException($"no vector for '{trait}' is loaded; loaded: {(traits.Count == 0 ? "none" : string.Join(", ", traits.Select(t => t.Trait)))}");

    /// <summary>Checks steering terms before any work: known traits, layers in range, finite coefficients.</summary>
    public void Validate(IReadOnlyList<SteeringTerm> steering)
    {
        foreach (var s in steering)
        {
            Find(s.Trait);
            if (s.Layer is { } l && (l < 0 || l > lm.Config.NumHiddenLayers))
                throw new InvalidRequestException($"steering layer {l} for '{s.Trait}' is out of range: the model has layers 0..{lm.Config.NumHiddenLayers}");
            if (!double.IsFinite(s.Alpha)) throw new InvalidRequestException($"the steering coefficient for '{s.Trait}' must be a finite number, not {s.Alpha}");
            var t = Find(s.Trait);
            if (s.When != SteeringGate.Always && t.BeforeAnswer is null)
                throw new InvalidRequestException($"steering '{s.Trait}' only when its monitor fires needs a calibrated threshold: load it from an extraction run, not a bare vector file");
            if (s.When == SteeringGate.PerToken && t.AnswerAverage is null)
                throw new InvalidRequestException($"per-token steering of '{s.Trait}' needs its answer-average threshold: load it from an extraction run");
        }
    }

    /// <summary>
    /// Generates one answer per prompt under <paramref name="steering"/> and reads every trait before and over
    /// each. <paramref name="keptAnswer"/> lets a caller with its own stop rule (the server's stop strings) say
    /// which tokens of row i's answer were kept; the answer reading covers those.
    /// </summary>
    /// <param name="perToken">Also read every answer token (one more pass per answer, under the always-on steering).</param>
    public IReadOnlyList<MonitoredAnswer> Generate(IReadOnlyList<int[]> prompts, IReadOnlyList<SteeringTerm> steering, SamplingOptions sampling,
        Action<TokenEvent>? onToken = null, Func<int, int[], int[]>? keptAnswer = null, CancellationToken cancel = default, bool perToken = false)
    {
        sampling.Validate();
        Validate(steering);
        using var steered = Steer([.. steering.Where(s => s.When == SteeringGate.Always)]);
        double[][] before = Read(prompts, null, TokenPositions.LastPrompt);
        var gated = new List<(SteeringTerm Term, GatedSteering Gate)>();
        IReadOnlyList<GeneratedText> generated;
        try
        {
            foreach (var s in steering.Where(s => s.When != SteeringGate.Always))
            {
                int k = IndexOf(s.Trait);
                var t = traits[k];
                bool[] fired = [.. before.Select(b => IsAlert(b[k], t.BeforeAnswer!.Threshold))];
                gated.Add((s, new GatedSteering(lm.Model, t.Vector with { Layer = s.Layer ?? t.Layer }, s.Alpha, s.When, t.Vector, fired,
                    t.AnswerAverage?.Threshold ?? double.PositiveInfinity)));
            }
            generated = lm.Generate(prompts, sampling, onToken, cancel);
        }
        finally
        {
            foreach (var (_, g) in gated) g.Dispose();
        }
        var gates = gated.Select(g => (g.Term, Outcomes: prompts.Select((_, i) => new GateOutcome(g.Term.When, g.Gate.FiredBeforeAnswer[i], g.Gate.SteeredTokens[i])).ToArray())).ToList();
        var answers = generated.Select((g, i) => keptAnswer?.Invoke(i, g.Tokens) ?? g.Tokens).ToList();
        var answered = Enumerable.Range(0, prompts.Count).Where(i => answers[i].Length > 0).ToList();
        double[][] over = answered.Count == 0 ? [] : Read([.. answered.Select(i => prompts[i])], [.. answered.Select(i => answers[i])], TokenPositions.Answer);
        return [.. prompts.Select((_, i) =>
        {
            int a = answered.IndexOf(i);
            var readings = Readings(before[i], a >= 0 ? over[a] : null, steering);
            return new MonitoredAnswer(answers[i], generated[i].FinishReason, [.. readings.Select(r =>
                gates.FirstOrDefault(g => g.Term.Trait == r.Trait) is { Term: not null } g ? r with { Gate = g.Outcomes[i] } : r)],
                perToken ? PerToken(prompts[i], answers[i]) : null);
        })];
    }

    int IndexOf(string trait)
    {
        for (int k = 0; k < traits.Count; k++) if (traits[k].Trait == trait) return k;
        Find(trait);
        return -1;
    }

    /// <summary>
    /// Each trait's projection at every token of <paramref name="answer"/>, from one teacher-forced pass over the
    /// prompt and the answer under whatever steering scopes are active (so, as the answer was written).
    /// </summary>
    public IReadOnlyList<TokenReadings> PerToken(int[] prompt, int[] answer)
    {
        if (answer.Length == 0 || traits.Count == 0) return [.. traits.Select(t => new TokenReadings(t.Trait, t.Layer, []))];
        var layers = traits.Select(t => t.Layer).ToHashSet();
        var states = new Dictionary<int, float[]>();
        int hidden = lm.Config.HiddenSize, at = prompt.Length;
        using (lm.Model.AddResidualHook((l, h, _) =>
        {
            if (layers.Contains(l))
            {
                using var rows = h[0].narrow(0, at, answer.Length).to(ScalarType.Float32).contiguous();
                states[l] = rows.data<float>().ToArray();
            }
            return h;
        }, observer: true))
        using (no_grad())
        using (var ids = tensor([.. prompt.Concat(answer).Select(i => (long)i)], new long[] { 1, prompt.Length + answer.Length }))
            lm.Model.Forward(ids).Dispose();
        return [.. traits.Select(t => new TokenReadings(t.Trait, t.Layer,
            [.. Enumerable.Range(0, answer.Length).Select(k => Projection.OnUnit(states[t.Layer].AsSpan(k * hidden, hidden).ToArray(), t.Vector.Values))]))];
    }

    /// <summary><see cref="Generate"/> over many prompts, <paramref name="batchSize"/> at a time.</summary>
    public List<MonitoredAnswer> GenerateInBatches(IReadOnlyList<int[]> prompts, IReadOnlyList<SteeringTerm> steering, SamplingOptions sampling,
        int batchSize = 50, CancellationToken cancel = default)
    {
        var answers = new List<MonitoredAnswer>(prompts.Count);
        for (int i = 0; i < prompts.Count; i += batchSize)
            answers.AddRange(Generate([.. prompts.Skip(i).Take(batchSize)], steering, sampling, cancel: cancel));
        return answers;
    }

    /// <summary>Reads prompts only (no generation): each trait's projection at the last prompt token, with alerts. Gated terms, which act on answers, are left out.</summary>
    public IReadOnlyList<IReadOnlyList<TraitReading>> ReadPrompts(IReadOnlyList<int[]> prompts, IReadOnlyList<SteeringTerm>? steering = null)
    {
        steering ??= [];
        Validate(steering);
        steering = [.. steering.Where(s => s.When == SteeringGate.Always)];
        using var steered = Steer(steering);
        return [.. Read(prompts, null, TokenPositions.LastPrompt).Select(b => Readings(b, null, steering))];
    }

    IReadOnlyList<TraitReading> Readings(double[] before, double[]? over, IReadOnlyList<SteeringTerm> steering) =>
        [.. traits.Select((t, k) => new TraitReading(t.Trait, t.Layer, steering.Where(s => s.Trait == t.Trait).Sum(s => s.Alpha), before[k], over?[k],
            t.BeforeAnswer?.Threshold, t.AnswerAverage?.Threshold, IsAlert(before[k], t.BeforeAnswer?.Threshold)))];

    double[][] Read(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]>? answers, TokenPositions positions)
    {
        if (traits.Count == 0) return [.. prompts.Select(_ => Array.Empty<double>())];
        using var read = new ActivationReader(lm).Read(prompts, answers, positions);
        return Projection.AtLayers(read, [.. traits.Select(t => (t.Layer, t.Vector.Values))]);
    }

    /// <summary>The always-on terms, summed into one addition per layer.</summary>
    IDisposable Steer(IReadOnlyList<SteeringTerm> steering) => ComposedSteering.Steer(lm,
        [.. steering.Select(s => { var t = Find(s.Trait); return (t.Vector with { Layer = s.Layer ?? t.Layer }, s.Alpha); })]);
}

using System.Threading.Channels;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using static TorchSharp.torch;

namespace PersonaVectors.Cli.Serve;

/// <summary>One trait's reading for one request: before the answer (last prompt token) and over it.</summary>
public sealed record TurnReading(string Trait, int Layer, double BeforeAnswer, double? AnswerAverage, double? Threshold, bool Alert);

/// <summary>A generated token as the API reports it.</summary>
public sealed record TokenOut(int Token, string Text, float LogProb, IReadOnlyList<(string Text, float LogProb)> Top);

/// <summary>What a finished request gets back.</summary>
public sealed record WorkResult(string Text, string FinishReason, int PromptTokens, int CompletionTokens, IReadOnlyList<TokenOut> Tokens, IReadOnlyList<TurnReading> Readings);

/// <summary>A request waiting for the model. Streaming requests also get their text as it is written.</summary>
public sealed class WorkItem(ChatRequest request, int[] promptIds, bool stream, CancellationToken cancel)
{
    public ChatRequest Request { get; } = request;
    public int[] PromptIds { get; } = promptIds;
    public CancellationToken Cancel { get; } = cancel;
    public Channel<(string Delta, TokenOut? Token)>? Deltas { get; } = stream ? Channel.CreateUnbounded<(string, TokenOut?)>() : null;
    public TaskCompletionSource<WorkResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests with the same key can share a batch: one steering setup and one set of sampling options.</summary>
    public string GroupKey => string.Join("|", Request.Steering.Select(s => $"{s.Vector}@{s.Layer}:{s.Alpha}")) +
        $"#{Request.Temperature}/{Request.TopP}/{Request.MaxTokens}/{Request.Seed}/{Request.TopLogProbs}/{Request.LogProbs}";
}

/// <summary>
/// The only thread that touches the model. Requests wait in a bounded queue; the worker takes the oldest and every
/// waiting request that can share its batch (same steering and sampling), generates them together, and reads
/// every loaded trait before and over each answer. The queue's bound is what turns overload into 429s.
/// </summary>
public sealed class ModelWorker : IDisposable
{
    readonly LanguageModel _lm;
    readonly IReadOnlyList<MonitoredTrait> _traits;
    readonly ServeLimits _limits;
    readonly List<WorkItem> _pending = [];
    readonly SemaphoreSlim _signal = new(0);
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;

    public ModelWorker(LanguageModel lm, IReadOnlyList<MonitoredTrait> traits, ServeLimits limits)
    {
        (_lm, _traits, _limits) = (lm, traits, limits);
        _thread = new Thread(Loop) { IsBackground = true, Name = "persona model worker" };
        _thread.Start();
    }

    public int Waiting { get { lock (_pending) return _pending.Count; } }

    /// <summary>Queues a request; false when the queue is full (the caller answers 429).</summary>
    public bool TryEnqueue(WorkItem item)
    {
        lock (_pending)
        {
            if (_pending.Count >= _limits.QueueCapacity) return false;
            _pending.Add(item);
        }
        _signal.Release();
        return true;
    }

    void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { _signal.Wait(_stop.Token); }
            catch (OperationCanceledException) { return; }
            List<WorkItem> batch;
            lock (_pending)
            {
                if (_pending.Count == 0) continue;
                string key = _pending[0].GroupKey;
                batch = [.. _pending.Where(p => p.GroupKey == key).Take(_limits.MaxBatch)];
                foreach (var b in batch) _pending.Remove(b);
            }
            // The semaphore counted one release per request; the batch consumed several.
            for (int i = 1; i < batch.Count; i++) _signal.Wait(0);
            var live = batch.Where(b => !b.Cancel.IsCancellationRequested).ToList();
            foreach (var b in batch.Except(live)) b.Done.TrySetCanceled();
            if (live.Count == 0) continue;
            try { Run(live); }
            catch (Exception e)
            {
                foreach (var b in live) { b.Deltas?.Writer.TryComplete(e); b.Done.TrySetException(e); }
            }
        }
    }

    void Run(List<WorkItem> batch)
    {
        var r = batch[0].Request;
        var scopes = new List<IDisposable>();
        try
        {
            foreach (var s in r.Steering)
            {
                var t = _traits.First(x => x.Trait == s.Vector);
                using var v = tensor(t.Vector);
                scopes.Add(_lm.Model.Steer(v, s.Layer < 0 ? t.Layer : s.Layer, s.Alpha));
            }
            var prompts = batch.Select(b => b.PromptIds).ToList();
            var reader = new ActivationReader(_lm);
            double[][] before = Project(reader, prompts, null, TokenPositions.LastPrompt);

            var streams = batch.Select(b => new TextStream(_lm, b.Request.Stop)).ToArray();
            var tokens = batch.Select(_ => new List<TokenOut>()).ToArray();
            bool wantLogProbs = r.LogProbs;
            var options = new SamplingOptions
            {
                MaxNewTokens = r.MaxTokens, Temperature = r.Temperature, TopP = r.TopP, Seed = r.Seed ?? Random.Shared.NextInt64(),
                TopLogProbs = wantLogProbs ? r.TopLogProbs : -1,
            };
            var outputs = _lm.Generate(prompts, options, e =>
            {
                var stream = streams[e.Row];
                if (stream.Stopped) return;
                var token = new TokenOut(e.Token, _lm.Tokenizer.Decode([e.Token], skipSpecialTokens: false), e.LogProb,
                    e.Top is null ? [] : [.. e.Top.Select(t => (_lm.Tokenizer.Decode([t.Token], skipSpecialTokens: false), t.LogProb))]);
                tokens[e.Row].Add(token);
                string delta = stream.Add(e.Token);
                batch[e.Row].Deltas?.Writer.TryWrite((delta, wantLogProbs ? token : null));
            }, _stop.Token);

            var answers = outputs.Select((o, i) => streams[i].Stopped ? tokens[i].Select(t => t.Token).ToArray() : o.Tokens).ToList();
            var answered = Enumerable.Range(0, batch.Count).Where(i => answers[i].Length > 0).ToList();
            double[][] over = answered.Count == 0 ? [] : Project(reader, answered.Select(i => prompts[i]).ToList(), answered.Select(i => answers[i]).ToList(), TokenPositions.Answer);
            for (int i = 0; i < batch.Count; i++)
            {
                int a = answered.IndexOf(i);
                var readings = _traits.Select((t, k) => new TurnReading(t.Trait, t.Layer, before[i][k], a >= 0 ? over[a][k] : null,
                    t.BeforeAnswer?.Threshold, t.BeforeAnswer is { } c && before[i][k] > c.Threshold)).ToList();
                string tail = streams[i].Finish();
                if (tail.Length > 0) batch[i].Deltas?.Writer.TryWrite((tail, null));
                string finish = streams[i].Stopped || outputs[i].FinishReason == FinishReason.Stop ? "stop" : "length";
                var result = new WorkResult(streams[i].Text, finish, prompts[i].Length, tokens[i].Count, tokens[i], readings);
                batch[i].Deltas?.Writer.TryComplete();
                batch[i].Done.TrySetResult(result);
            }
        }
        finally
        {
            for (int k = scopes.Count - 1; k >= 0; k--) scopes[k].Dispose();
        }
    }

    double[][] Project(ActivationReader reader, List<int[]> prompts, List<int[]>? answers, TokenPositions positions)
    {
        using var read = reader.Read(prompts, answers, positions);
        return Projection.AtLayers(read, [.. _traits.Select(t => (t.Layer, t.Vector))]);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(30));
        lock (_pending)
            foreach (var p in _pending) p.Done.TrySetCanceled();
        _signal.Dispose();
    }
}

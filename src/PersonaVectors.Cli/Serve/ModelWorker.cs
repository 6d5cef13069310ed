using System.Threading.Channels;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Serve;

/// <summary>A generated token as the API reports it.</summary>
public sealed record TokenOut(int Token, string Text, float LogProb, IReadOnlyList<(string Text, float LogProb)> Top);

/// <summary>One of a request's n answers.</summary>
public sealed record ChoiceResult(string Text, string FinishReason, IReadOnlyList<TokenOut> Tokens, IReadOnlyList<TraitReading> Readings,
    IReadOnlyList<TokenReadings>? PerToken = null);

/// <summary>What a finished request gets back: its n choices, generated in one batch.</summary>
public sealed record WorkResult(int PromptTokens, IReadOnlyList<ChoiceResult> Choices)
{
    public int CompletionTokens => Choices.Sum(c => c.Tokens.Count);
}

/// <summary>A request waiting for the model. Streaming requests also get each choice's text as it is written.</summary>
public sealed class WorkItem(ChatRequest request, int[] promptIds, bool stream, CancellationToken cancel)
{
    public ChatRequest Request { get; } = request;
    public int[] PromptIds { get; } = promptIds;
    public CancellationToken Cancel { get; } = cancel;
    public Channel<(int Choice, string Delta, TokenOut? Token)>? Deltas { get; } = stream ? Channel.CreateUnbounded<(int, string, TokenOut?)>() : null;
    public TaskCompletionSource<WorkResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests with the same key can share a batch: one steering setup and one set of sampling options.</summary>
    public string GroupKey => string.Join("|", Request.Steering.Select(s => $"{s.Trait}@{s.Layer}:{s.Alpha}:{s.When}").Append($"per-token:{Request.PerToken}")) +
        $"#{Request.Temperature}/{Request.TopP}/{Request.TopK}/{Request.MaxTokens}/{Request.Seed}/{Request.TopLogProbs}/{Request.LogProbs}";
}

/// <summary>
/// The only thread that touches the model. Requests wait in a bounded queue; the worker takes the oldest and every
/// waiting request that can share its batch (same steering and sampling, at most --max-batch answers in all), and
/// hands them to <see cref="MonitoredGeneration"/>, which steers, reads and generates. The queue's bound is what
/// turns overload into 429s.
/// </summary>
public sealed class ModelWorker : IDisposable
{
    readonly LanguageModel _lm;
    readonly MonitoredGeneration _generation;
    readonly ServeLimits _limits;
    readonly List<WorkItem> _pending = [];
    readonly SemaphoreSlim _signal = new(0);
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;

    public ModelWorker(LanguageModel lm, MonitoredGeneration generation, ServeLimits limits)
    {
        (_lm, _generation, _limits) = (lm, generation, limits);
        _thread = new Thread(Loop) { IsBackground = true, Name = "persona model worker" };
        _thread.Start();
    }

    /// <summary>True once <see cref="Stop"/> was called: new requests are refused.</summary>
    public bool Stopping => _stopRequested;

    // Set under the queue's lock; Stop() empties the queue before waking the worker, so an empty wake-up means "stop".
    volatile bool _stopRequested;

    public int Waiting { get { lock (_pending) return _pending.Count; } }

    /// <summary>Queues a request; false when the queue is full (the caller answers 429) or the worker is stopping.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        lock (_pending)
        {
            if (_stopRequested || _pending.Count >= _limits.QueueCapacity) return false;
            _pending.Add(item);
        }
        _signal.Release();
        return true;
    }

    /// <summary>
    /// Stops the worker: waiting requests are cancelled at once, the batch in flight gets <paramref name="grace"/> to
    /// finish and is then cancelled between tokens. Returns when the worker thread has ended.
    /// </summary>
    public void Stop(TimeSpan grace)
    {
        lock (_pending)
        {
            _stopRequested = true;
            foreach (var p in _pending) { p.Deltas?.Writer.TryComplete(new OperationCanceledException()); p.Done.TrySetCanceled(); }
            _pending.Clear();
        }
        _signal.Release(); // wakes an idle worker so it sees the stop
        if (!_thread.Join(grace)) { _stop.Cancel(); _thread.Join(TimeSpan.FromSeconds(10)); }
        _stop.Cancel();
    }

    void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { _signal.Wait(_stop.Token); }
            catch (OperationCanceledException) { return; }
            List<WorkItem> batch = [];
            lock (_pending)
            {
                if (_pending.Count == 0) { if (_stopRequested) return; continue; }
                string key = _pending[0].GroupKey;
                int rows = 0;
                foreach (var p in _pending.Where(p => p.GroupKey == key))
                {
                    if (batch.Count > 0 && rows + p.Request.N > _limits.MaxBatch) break;
                    batch.Add(p);
                    rows += p.Request.N;
                }
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
        // Row k of the batch is choice Choice of request Item.
        var rows = batch.SelectMany((b, i) => Enumerable.Range(0, b.Request.N).Select(c => (Item: i, Choice: c))).ToList();
        var prompts = rows.Select(x => batch[x.Item].PromptIds).ToList();
        var streams = rows.Select(x => new TextStream(_lm, batch[x.Item].Request.Stop)).ToArray();
        var tokens = rows.Select(_ => new List<TokenOut>()).ToArray();
        var options = new SamplingOptions
        {
            MaxNewTokens = r.MaxTokens, Temperature = r.Temperature, TopP = r.TopP, TopK = r.TopK, Seed = r.Seed ?? Random.Shared.NextInt64(),
            TopLogProbs = r.LogProbs ? r.TopLogProbs : -1,
        };
        var answers = _generation.Generate(prompts, r.Steering, options, e =>
        {
            var stream = streams[e.Row];
            if (stream.Stopped) return;
            var token = new TokenOut(e.Token, _lm.Tokenizer.Decode([e.Token], skipSpecialTokens: false), e.LogProb,
                e.Top is null ? [] : [.. e.Top.Select(t => (_lm.Tokenizer.Decode([t.Token], skipSpecialTokens: false), t.LogProb))]);
            tokens[e.Row].Add(token);
            string delta = stream.Add(e.Token);
            batch[rows[e.Row].Item].Deltas?.Writer.TryWrite((rows[e.Row].Choice, delta, r.LogProbs ? token : null));
        }, (row, generated) => streams[row].Stopped ? [.. tokens[row].Select(t => t.Token)] : generated, _stop.Token, perToken: r.PerToken);

        var choices = rows.Select((x, k) =>
        {
            string tail = streams[k].Finish();
            if (tail.Length > 0) batch[x.Item].Deltas?.Writer.TryWrite((x.Choice, tail, null));
            string finish = streams[k].Stopped || answers[k].FinishReason == FinishReason.Stop ? "stop" : "length";
            return new ChoiceResult(streams[k].Text, finish, tokens[k], answers[k].Readings, answers[k].PerToken);
        }).ToList();
        for (int i = 0; i < batch.Count; i++)
        {
            var result = new WorkResult(batch[i].PromptIds.Length, [.. rows.Select((x, k) => (x, k)).Where(p => p.x.Item == i).Select(p => choices[p.k])]);
            batch[i].Deltas?.Writer.TryComplete();
            batch[i].Done.TrySetResult(result);
        }
    }

    public void Dispose()
    {
        if (!_stopRequested) Stop(TimeSpan.Zero);
        _signal.Dispose();
        _stop.Dispose();
    }
}

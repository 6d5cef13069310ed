using TorchSharp;
using System.Diagnostics;
using PersonaVectors.Engine.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>
/// Trains chosen parameters of a <see cref="CausalLM"/> on masked next-token cross-entropy with AdamW, a
/// warmup-cosine schedule and global-norm clipping, checkpointing into a folder it resumes from. Which
/// parameters train is the caller's choice (all of them from scratch, or LoRA factors later); the others stay
/// frozen. Residual hooks registered on the model (steering) act during training as during generation.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly CausalLM _model;
    readonly string[] _names;
    readonly Parameter[] _parameters;
    readonly TrainingOptions _options;
    readonly AdamW _optimizer;
    readonly CheckpointStore _store;
    readonly List<double> _losses = [];
    int _step, _savedStep;
    // Seconds of the steps before this run (from the checkpoint; null if it did not record them) and of this run's.
    readonly double? _secondsBefore = 0;
    readonly Stopwatch _clock = new();

    /// <summary>Completed optimizer steps (after a resume, counting those run before it).</summary>
    public int Step => _step;
    /// <summary>The step the constructor resumed from; 0 for a fresh start.</summary>
    public int ResumedFromStep { get; }
    public IReadOnlyList<string> ParameterNames => _names;
    public AdamW Optimizer => _optimizer;
    /// <summary>Wall seconds of every step since step 1, across resumes; null after resuming a checkpoint that did not record them.</summary>
    public double? TrainingSeconds => _secondsBefore + _clock.Elapsed.TotalSeconds;
    public TrainingOptions Options => _options;

    /// <summary>Trains parameters registered in <paramref name="model"/>; their names come from it.</summary>
    public Trainer(CausalLM model, IReadOnlyList<Parameter> trainable, TrainingOptions options, string checkpointDir)
        : this(model, NameParameters(model, trainable), options, checkpointDir) { }

    /// <summary>Trains named parameters, which may live outside the model (adapters applied through hooks).</summary>
    public Trainer(CausalLM model, IReadOnlyList<(string Name, Parameter Parameter)> trainable, TrainingOptions options, string checkpointDir)
    {
        options.Validate();
        CheckTrainable(trainable);
        _model = model;
        _names = [.. trainable.Select(t => t.Name)];
        _parameters = [.. trainable.Select(t => t.Parameter)];
        _options = options;
        foreach (var p in _parameters) p.requires_grad = true;
        _optimizer = new AdamW(_parameters, options.Beta1, options.Beta2, options.Eps, options.WeightDecay);
        _store = new CheckpointStore(checkpointDir, _names, _parameters, _optimizer, options);
        try
        {
            if (_store.TryLoad() is { } loaded)
            {
                _step = _savedStep = ResumedFromStep = loaded.Step;
                _losses.AddRange(loaded.Losses);
                _secondsBefore = loaded.TrainingSeconds;
            }
        }
        catch
        {
            _optimizer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the remaining steps. <paramref name="batchForStep"/> receives the 0-based index of the step to run
    /// and must return the same batch for the same index every time: that is what lets a resumed run continue
    /// exactly. On cancellation the current step finishes, a checkpoint is written, and
    /// <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public TrainingResult Run(Func<int, IReadOnlyList<TrainingExample>> batchForStep, Action<TrainingProgress>? onProgress = null,
        CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        _clock.Start();
        int startStep = _step;
        long tokens = 0;
        while (_step < _options.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                SaveIfNew();
                cancel.ThrowIfCancellationRequested();
            }
            var batch = batchForStep(_step) ?? throw new InvalidRequestException($"batchForStep({_step}) returned null");
            var (loss, gradNorm, lr, batchTokens) = TrainStep(batch);
            tokens += batchTokens;
            _losses.Add(loss);
            _step++;

            if (onProgress is not null && (_step % _options.LogEvery == 0 || _step == _options.Steps))
            {
                var elapsed = clock.Elapsed;
                onProgress(new TrainingProgress(_step, _options.Steps, loss, lr, tokens / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed) { GradNorm = gradNorm });
            }
            if (_options.CheckpointEvery > 0 && _step % _options.CheckpointEvery == 0) SaveIfNew();
        }
        // Stopped first, so the last checkpoint and the result report the same time.
        _clock.Stop();
        SaveIfNew();
        return new TrainingResult(_step - startStep, _losses.Count > 0 ? _losses[^1] : double.NaN, [.. _losses], TrainingSeconds);
    }

    (double Loss, double GradNorm, double Lr, long Tokens) TrainStep(IReadOnlyList<TrainingExample> batch)
    {
        if (batch.Count == 0) throw new InvalidRequestException($"batchForStep({_step}) returned no examples");
        using var scope = NewDisposeScope();
        _optimizer.ZeroGrad();

        // One denominator for the whole batch: every masked token weighs the same, however the batch is split.
        long masked = batch.Sum(e => (long)(e.LossMask?.Count(m => m) ?? 0));
        if (masked == 0) throw new InvalidRequestException($"batch {_step} has no masked token, so there is nothing to learn from");
        using var count = masked.ToScalar();   // held: see HeldScalar
        double lossSum = 0;
        long tokens = 0;
        foreach (var micro in MicroBatches(batch, _options.GradientAccumulation))
        {
            using var microScope = NewDisposeScope();
            using var precision = Kernels.MatmulPrecision.Use(_options.MatmulDType);
            var tb = TrainingBatch.Build(micro, _model.Config.VocabSize);
            var sum = LanguageModelLoss.Sum(_model, tb);
            (sum / count).backward();
            lossSum += sum.to(ScalarType.Float64).item<double>();
            tokens += tb.Tokens;
        }
        double loss = lossSum / masked;
        // Stop before the update: a diverged step must not reach the parameters or a checkpoint.
        if (!double.IsFinite(loss))
            throw new PersonaVectorsException($"training diverged: loss is {loss} at step {_step + 1}; the last checkpoint (step {_savedStep}) is intact. Lower the learning rate or add warmup.");

        var grads = new Tensor[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
            grads[i] = _parameters[i].grad ?? throw new InvalidRequestException(
                $"trainable parameter '{_names[i]}' received no gradient: the forward pass does not use it");
        double gradNorm = GradientClipping.ClipByGlobalNorm(grads, _options.ClipGradNorm);
        double lr = LearningRateSchedule.At(_step + 1, _options);
        _optimizer.Step(lr);
        _optimizer.ZeroGrad();
        return (loss, gradNorm, lr, tokens);
    }

    /// <summary>Splits a batch into at most <paramref name="parts"/> contiguous, nearly equal, non-empty pieces.</summary>
    public static IEnumerable<IReadOnlyList<TrainingExample>> MicroBatches(IReadOnlyList<TrainingExample> batch, int parts)
    {
        parts = Math.Clamp(parts, 1, batch.Count);
        for (int k = 0; k < parts; k++)
        {
            int from = (int)((long)batch.Count * k / parts), to = (int)((long)batch.Count * (k + 1) / parts);
            yield return batch.Skip(from).Take(to - from).ToArray();
        }
    }

    void SaveIfNew()
    {
        if (_step == _savedStep) return;
        _store.Save(_step, _losses, TrainingSeconds);
        _savedStep = _step;
    }

    static (string, Parameter)[] NameParameters(CausalLM model, IReadOnlyList<Parameter> trainable)
    {
        var byHandle = new Dictionary<IntPtr, string>();
        foreach (var (name, p) in model.named_parameters()) byHandle.TryAdd(p.Handle, name);
        return [.. trainable.Select((p, i) => (byHandle.TryGetValue(p.Handle, out var name) ? name
            : throw new InvalidRequestException($"trainable parameter #{i} (shape [{string.Join(", ", p.shape)}]) is not a parameter of the model; pass (name, parameter) pairs for parameters that live outside it"), p))];
    }

    static void CheckTrainable(IReadOnlyList<(string Name, Parameter Parameter)> trainable)
    {
        if (trainable.Count == 0) throw new InvalidRequestException("no trainable parameters were given");
        var names = new HashSet<string>();
        var handles = new HashSet<IntPtr>();
        foreach (var (name, p) in trainable)
        {
            if (string.IsNullOrEmpty(name)) throw new InvalidRequestException("every trainable parameter needs a name");
            if (!names.Add(name)) throw new InvalidRequestException($"trainable parameter '{name}' is listed twice");
            if (!handles.Add(p.Handle)) throw new InvalidRequestException($"trainable parameter '{name}' is the same tensor as an earlier one");
            // Moments and updates in bfloat16 lose most small steps; training wants float32 master weights.
            if (p.dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new InvalidRequestException($"trainable parameter '{name}' is {p.dtype}; train float32 (or float64) parameters");
        }
    }

    public void Dispose() => _optimizer.Dispose();
}

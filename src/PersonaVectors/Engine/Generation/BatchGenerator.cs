using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Generation;

/// <summary>A token produced for one prompt of a batch, for streaming; with its log-probability and the most
/// likely alternatives when <see cref="SamplingOptions.TopLogProbs"/> asks for them.</summary>
public readonly record struct TokenEvent(int Row, int Token, float LogProb = float.NaN, (int Token, float LogProb)[]? Top = null);

/// <summary>
/// Batched autoregressive generation with a KV cache. Prompts are left-padded to a common length (with a
/// padding mask, and positions counted from each prompt's first real token, so padding changes nothing);
/// finished rows are dropped from the batch and the cache as soon as they stop.
/// </summary>
public static class BatchGenerator
{
    public static GeneratedSequence[] Generate(CausalLM model, IReadOnlyList<int[]> prompts, SamplingOptions options,
        IReadOnlySet<int> stopTokens, int padToken, Action<TokenEvent>? onToken = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (prompts.Count == 0) throw new InvalidRequestException("the batch is empty: give at least one prompt");
        for (int i = 0; i < prompts.Count; i++)
            if (prompts[i].Length == 0) throw new InvalidRequestException($"prompt {i} of the batch is empty");
        int promptLength = prompts.Max(p => p.Length);
        int context = model.Config.MaxPositionEmbeddings;
        if (promptLength >= context)
            throw new InvalidRequestException($"a prompt has {promptLength} tokens, leaving no room to answer in the model's context of {context}");
        int maxNew = Math.Min(options.MaxNewTokens, context - promptLength);

        int batch = prompts.Count;
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finish = new (FinishReason Reason, int? Stop)?[batch];
        var active = Enumerable.Range(0, batch).ToList();     // original row of each live batch position
        var device = model.Device;

        using var generator = new Generator((ulong)options.Seed, device);
        using var cache = new KvCache(model.NumLayers, promptLength + maxNew);
        using var noGrad = no_grad();

        // Left padding: real tokens end at the same index, so the answer starts at promptLength in every row.
        var ids = new long[batch * promptLength];
        var mask = new long[batch * (promptLength + maxNew)];
        int total = promptLength + maxNew;
        for (int b = 0; b < batch; b++)
        {
            int pad = promptLength - prompts[b].Length;
            for (int t = 0; t < promptLength; t++) ids[b * promptLength + t] = t < pad ? padToken : prompts[b][t - pad];
            for (int t = 0; t < total; t++) mask[b * total + t] = t < pad ? 0 : 1;
        }
        bool padded = prompts.Any(p => p.Length != promptLength);
        var padding = tensor(mask, new long[] { batch, total }, device: device).DetachFromDisposeScope();
        try
        {
            var input = tensor(ids, new long[] { batch, promptLength }, device: device);
            long[] promptEnd = Enumerable.Repeat((long)promptLength, batch).ToArray();
            for (int step = 0; step < maxNew && active.Count > 0; step++)
            {
                cancel.ThrowIfCancellationRequested();
                long seen = promptLength + step;
                using var scope = NewDisposeScope();
                var logits = model.Forward(input, new ForwardOptions
                {
                    Cache = cache,
                    PaddingMask = padded ? padding.narrow(1, 0, seen) : null,
                    PromptEnd = promptEnd,
                    LastPositionLogitsOnly = true,
                });
                var next = Sampler.Next(logits.squeeze(1), options, generator).cpu().data<long>().ToArray();
                float[]? logProbs = null;
                long[]? topIds = null;
                float[]? topValues = null;
                int vocab = (int)logits.shape[^1];
                if (options.TopLogProbs >= 0)
                {
                    var lp = logits.squeeze(1).to(ScalarType.Float32).log_softmax(-1).cpu();
                    logProbs = lp.data<float>().ToArray();
                    if (options.TopLogProbs > 0)
                    {
                        var (values, indices) = lp.topk(options.TopLogProbs, -1);
                        topValues = values.data<float>().ToArray();
                        topIds = indices.data<long>().ToArray();
                    }
                }

                var keep = new List<int>();
                for (int i = 0; i < active.Count; i++)
                {
                    int row = active[i], token = (int)next[i];
                    if (stopTokens.Contains(token)) { finish[row] = (FinishReason.Stop, token); continue; }
                    outputs[row].Add(token);
                    if (onToken is not null)
                    {
                        int k = options.TopLogProbs;
                        onToken(logProbs is null ? new TokenEvent(row, token)
                            : new TokenEvent(row, token, logProbs[i * vocab + token],
                                k > 0 ? [.. Enumerable.Range(0, k).Select(j => ((int)topIds![i * k + j], topValues![i * k + j]))] : []));
                    }
                    keep.Add(i);
                }
                if (keep.Count < active.Count && keep.Count > 0)
                {
                    var rows = keep.Select(i => (long)i).ToArray();
                    cache.KeepRows(rows);
                    using var index = tensor(rows, device: device);
                    var kept = padding.index_select(0, index).DetachFromDisposeScope();
                    padding.Dispose();
                    padding = kept;
                    next = keep.Select(i => next[i]).ToArray();
                    promptEnd = promptEnd.Take(keep.Count).ToArray();
                }
                active = keep.Select(i => active[i]).ToList();
                var following = tensor(next.Take(active.Count).ToArray(), new long[] { active.Count, 1 }, device: device).MoveToOuterDisposeScope();
                input.Dispose();
                input = following;
            }
            input.Dispose();
        }
        finally
        {
            padding.Dispose();
        }
        return Enumerable.Range(0, batch).Select(b => finish[b] is { } f
            ? new GeneratedSequence(outputs[b].ToArray(), f.Reason, f.Stop)
            : new GeneratedSequence(outputs[b].ToArray(), FinishReason.Length, null)).ToArray();
    }
}

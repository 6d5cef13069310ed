using PersonaVectors.Engine;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>
/// Reads the residual stream of (prompt, answer) texts by teacher forcing, batched with left padding: the
/// mean over answer tokens (response_avg), the mean over prompt tokens (prompt_avg) and the last prompt
/// token (prompt_last), at every layer. Results are [count, layers + 1, hidden] float32 on the CPU.
/// </summary>
public sealed class ActivationReader(LanguageModel lm, int batchSize = 16)
{
    public Tensor Read(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]>? answers, TokenPositions positions)
    {
        if (answers is not null && answers.Count != prompts.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {answers.Count} answers");
        if (positions == TokenPositions.Answer && answers is null)
            throw new ArgumentException("answer positions need answers");
        var rows = new List<Tensor>();
        using var noGrad = no_grad();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, prompts.Count - start);
            var sequences = Enumerable.Range(start, n).Select(i => answers is null ? prompts[i] : [.. prompts[i], .. answers[i]]).ToArray();
            int length = sequences.Max(s => s.Length);
            if (length > lm.Config.MaxPositionEmbeddings)
                throw new InvalidRequestException($"a prompt with its answer has {length} tokens, more than the model's context of {lm.Config.MaxPositionEmbeddings}");
            var ids = new long[n * length];
            var mask = new long[n * length];
            var promptEnd = new long[n];
            for (int b = 0; b < n; b++)
            {
                int pad = length - sequences[b].Length;
                for (int t = 0; t < sequences[b].Length; t++) { ids[b * length + pad + t] = sequences[b][t]; mask[b * length + pad + t] = 1; }
                promptEnd[b] = pad + prompts[start + b].Length;
            }
            using var scope = NewDisposeScope();
            using var capture = lm.Model.Capture(positions: positions);
            var input = tensor(ids, new long[] { n, length }, device: lm.Model.Device);
            var padding = tensor(mask, new long[] { n, length }, device: lm.Model.Device);
            lm.Model.Forward(input, new ForwardOptions { PaddingMask = padding, PromptEnd = promptEnd, LastPositionLogitsOnly = true }).Dispose();
            rows.Add(capture.Means().cpu().MoveToOuterDisposeScope());
        }
        var all = cat(rows.ToArray(), 0);
        foreach (var r in rows) r.Dispose();
        return all;
    }
}

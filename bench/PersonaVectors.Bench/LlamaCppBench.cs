using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace PersonaVectors.Bench;

/// <summary>llama.cpp (LLamaSharp, CPU) on a GGUF of the same weights (the F32 export, or a file its own quantizer
/// made from it), same threads; the median of <c>repeats</c> runs after a warm-up.</summary>
public sealed class LlamaCppBench(string gguf, int threads, int promptTokens, int decodeTokens, int vocab) : IDisposable
{
    readonly LLamaWeights _weights = LLamaWeights.LoadFromFile(Params(gguf, threads, promptTokens + decodeTokens + 8));

    static ModelParams Params(string path, int threads, int context) => new(path)
    {
        ContextSize = (uint)context,
        GpuLayerCount = 0,
        Threads = threads,
        BatchThreads = threads,
        BatchSize = (uint)Math.Max(512, context),
        UBatchSize = 512,
    };

    public (Figure Prefill, Figure Decode) Run(int repeats)
    {
        var p = Params(gguf, threads, promptTokens + decodeTokens + 8);
        var prefills = new List<double>();
        var decodes = new List<double>();
        for (int run = 0; run <= repeats; run++)
        {
            using var ctx = _weights.CreateContext(p);
            var rng = new Random(1);
            var batch = new LLamaBatch();
            for (int i = 0; i < promptTokens; i++) batch.Add((LLamaToken)rng.Next(10, Math.Min(vocab, 30000)), (LLamaPos)i, (LLamaSeqId)0, i == promptTokens - 1);
            var sw = Stopwatch.StartNew();
            Check(ctx.NativeHandle.Decode(batch));
            double prefill = sw.Elapsed.TotalSeconds;
            int next = ArgMax(ctx.NativeHandle.GetLogitsIth(batch.TokenCount - 1));
            sw.Restart();
            for (int t = 0; t < decodeTokens; t++)
            {
                batch.Clear();
                batch.Add((LLamaToken)next, (LLamaPos)(promptTokens + t), (LLamaSeqId)0, true);
                Check(ctx.NativeHandle.Decode(batch));
                next = ArgMax(ctx.NativeHandle.GetLogitsIth(0));
            }
            double decode = sw.Elapsed.TotalSeconds;
            if (run == 0) continue; // warm-up
            prefills.Add(promptTokens / prefill);
            decodes.Add(decodeTokens / decode);
        }
        return (Figure.Of(prefills), Figure.Of(decodes));
    }

    static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {r}");
    }

    static int ArgMax(Span<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public void Dispose() => _weights.Dispose();
}

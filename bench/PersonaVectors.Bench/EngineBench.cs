using System.Diagnostics;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>Our engine's prefill and decode speeds, and what capturing every layer costs.</summary>
public sealed class EngineBench(LanguageModel lm, int promptTokens, int decodeTokens, int batch)
{
    static readonly HashSet<int> NoStop = [];

    public double PrefillTokensPerSecond(bool capture = false)
    {
        var ids = RandomIds(promptTokens, 1);
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            using var _ = no_grad();
            using var cap = capture ? lm.Model.Capture(positions: TokenPositions.All) : null;
            var sw = Stopwatch.StartNew();
            lm.Model.Forward(input, new ForwardOptions { LastPositionLogitsOnly = true }).Dispose();
            if (i > 0) best = Math.Min(best, sw.Elapsed.TotalSeconds); // the first run warms up
        }
        return promptTokens / best;
    }

    /// <summary>Generated tokens per second over decode steps only (the first token, which needs the prefill, is excluded).</summary>
    public double DecodeTokensPerSecond(int rows, bool capture = false)
    {
        var prompts = Enumerable.Range(0, rows).Select(r => RandomIds(16, r + 2)).ToArray();
        double best = 0;
        for (int i = 0; i < 2; i++)
        {
            using var cap = capture ? lm.Model.Capture(positions: TokenPositions.Answer) : null;
            Stopwatch? sw = null;
            int events = 0;
            BatchGenerator.Generate(lm.Model, prompts, new SamplingOptions { MaxNewTokens = decodeTokens }, NoStop, 0, e =>
            {
                if (events++ == rows - 1) sw = Stopwatch.StartNew(); // all rows have their first token
            });
            double tps = (events - rows) / sw!.Elapsed.TotalSeconds;
            best = Math.Max(best, tps);
        }
        return best;
    }

    public int Batch => batch;

    int[] RandomIds(int n, int seed)
    {
        var rng = new Random(seed);
        int vocab = Math.Min(lm.Config.VocabSize, 30000);
        return Enumerable.Range(0, n).Select(_ => rng.Next(10, vocab)).ToArray();
    }
}

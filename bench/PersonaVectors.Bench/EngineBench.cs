using System.Diagnostics;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// Our engine's prefill and decode speeds, and what capturing every layer or steering one costs. Each figure is
/// the median of <c>repeats</c> runs after a warm-up; a setting and its baseline run alternately, so that drift
/// in the machine's speed falls on both alike.
/// </summary>
public sealed class EngineBench(LanguageModel lm, int promptTokens, int decodeTokens, int batch, int repeats)
{
    static readonly HashSet<int> NoStop = [];

    /// <summary>Prefill tokens/s, plain and with every layer captured.</summary>
    public (Figure Plain, Figure Capture) Prefill()
    {
        var ids = RandomIds(promptTokens, 1);
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        double Once(bool capture)
        {
            using var _ = no_grad();
            using var cap = capture ? lm.Model.Capture(positions: TokenPositions.All) : null;
            var sw = Stopwatch.StartNew();
            lm.Model.Forward(input, new ForwardOptions { LastPositionLogitsOnly = true }).Dispose();
            return promptTokens / sw.Elapsed.TotalSeconds;
        }
        return Paired(() => Once(false), () => Once(true));
    }

    /// <summary>Decode tokens/s at batch 1, plain and with the alternative (a capture or a steering scope) in force.</summary>
    public (Figure Plain, Figure With) DecodeB1(Func<IDisposable> with) => Paired(() => Decode(1, null), () => Decode(1, with));

    public Figure DecodeBatch() => Figure.Of([.. Enumerable.Range(0, repeats + 1).Select(_ => Decode(batch, null)).Skip(1)]);

    public IDisposable CaptureAnswers() => lm.Model.Capture(positions: TokenPositions.Answer);

    /// <summary>One vector at the middle layer, α 1 (a random direction of a realistic size).</summary>
    public IDisposable SteerOneLayer()
    {
        using var g = new Generator(5);
        using var noise = randn(new long[] { lm.Config.HiddenSize }, generator: g);
        using var v = HeldScalar.Times(noise, 0.01);
        return lm.Model.Steer(v, lm.Config.NumHiddenLayers / 2, 1.0);
    }

    (Figure, Figure) Paired(Func<double> a, Func<double> b)
    {
        a(); b(); // warm-up
        var first = new List<double>();
        var second = new List<double>();
        for (int i = 0; i < repeats; i++) { first.Add(a()); second.Add(b()); }
        return (Figure.Of(first), Figure.Of(second));
    }

    /// <summary>Generated tokens per second over decode steps only (the first token, which needs the prefill, is excluded).</summary>
    double Decode(int rows, Func<IDisposable>? with)
    {
        var prompts = Enumerable.Range(0, rows).Select(r => RandomIds(16, r + 2)).ToArray();
        using var scope = with?.Invoke();
        Stopwatch? sw = null;
        int events = 0;
        BatchGenerator.Generate(lm.Model, prompts, new SamplingOptions { MaxNewTokens = decodeTokens }, NoStop, 0, e =>
        {
            if (events++ == rows - 1) sw = Stopwatch.StartNew(); // all rows have their first token
        });
        return (events - rows) / sw!.Elapsed.TotalSeconds;
    }

    public int Batch => batch;

    int[] RandomIds(int n, int seed)
    {
        var rng = new Random(seed);
        int vocab = Math.Min(lm.Config.VocabSize, 30000);
        return Enumerable.Range(0, n).Select(_ => rng.Next(10, vocab)).ToArray();
    }
}

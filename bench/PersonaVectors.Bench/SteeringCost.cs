using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Steering;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// What steering costs at batch-1 decode, all in one run on the same prompt: unsteered, one vector at one layer,
/// three vectors at every layer, and one vector gated per token (its monitor reading every position). Each figure
/// is the median of several runs, with the spread, because single runs on a shared machine swing by tens of percent.
/// </summary>
public static class SteeringCost
{
    public static JsonObject Run(LanguageModel lm, int decodeTokens, int repeats)
    {
        int hidden = lm.Config.HiddenSize, layers = lm.Config.NumHiddenLayers, middle = layers / 2;
        float[] Random(int seed) { var r = new Random(seed); return [.. Enumerable.Range(0, hidden).Select(_ => (float)(r.NextDouble() - 0.5) * 0.01f)]; }
        var one = new TraitVector("a", middle, Random(1));
        int[] prompt = [.. Enumerable.Range(0, 16).Select(i => 10 + i * 37 % 20000)];
        var sampling = new SamplingOptions { MaxNewTokens = decodeTokens };
        var calibration = new Calibration(double.NegativeInfinity, 1, 0, 1, CalibrationBasis.NoSystemPrompt);
        var gated = new MonitoredGeneration(lm, [new MonitoredTrait(one, calibration, calibration, "bench")]);

        double Decode(Func<IDisposable?> steer, Func<IReadOnlyList<int[]>, Action<TokenEvent>, int>? generate = null)
        {
            var rates = new List<double>();
            for (int i = 0; i <= repeats; i++)
            {
                Stopwatch? sw = null;
                int events = 0;
                void OnToken(TokenEvent e) { if (events++ == 0) sw = Stopwatch.StartNew(); }
                using (steer())
                {
                    if (generate is null) lm.Generate([prompt], sampling with { Seed = i }, OnToken);
                    else generate([prompt], OnToken);
                }
                if (i > 0) rates.Add((events - 1) / sw!.Elapsed.TotalSeconds); // the first run warms up
            }
            rates.Sort();
            return rates[rates.Count / 2];
        }
        (double Median, double Spread) Stats(Func<double> measure)
        {
            var values = Enumerable.Range(0, 3).Select(_ => measure()).Order().ToList();
            return (values[1], values[^1] - values[0]);
        }

        var plain = Stats(() => Decode(() => null));
        var single = Stats(() => Decode(() => ComposedSteering.Steer(lm, [(one, 1.0)])));
        var three = Stats(() => Decode(() => ComposedSteering.Steer(lm,
            [.. Enumerable.Range(1, layers).SelectMany(l => new[] { (new TraitVector("a", l, Random(l)), 1.0), (new TraitVector("b", l, Random(100 + l)), 1.0), (new TraitVector("c", l, Random(200 + l)), 1.0) })])));
        var perToken = Stats(() => Decode(() => null, (p, on) =>
            gated.Generate(p, [new SteeringTerm("a", 1.0, When: SteeringGate.PerToken)], sampling, on).Count));
        JsonObject F((double Median, double Spread) x) => new() { ["decode_b1_tokens_per_s"] = Math.Round(x.Median, 2), ["spread"] = Math.Round(x.Spread, 2) };
        return new JsonObject
        {
            ["unsteered"] = F(plain),
            ["one_vector_one_layer"] = F(single),
            ["three_vectors_every_layer"] = F(three),
            ["gated_per_token_one_vector"] = F(perToken),
            ["steering_overhead_pct"] = Math.Round(100 * (plain.Median / single.Median - 1), 1),
            ["repeats"] = 3 * repeats,
        };
    }
}

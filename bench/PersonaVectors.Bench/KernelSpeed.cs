using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Kernels;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// The streaming kernels alone: one activation row against a weight matrix of the bench model's shapes, in GB of
/// weights read per second, so a slow decode can be told apart from a slow kernel.
/// </summary>
public static unsafe class KernelSpeed
{
    public static JsonObject Run(int threads)
    {
        var result = new JsonObject();
        foreach (var (n, k) in new[] { (4864, 896), (896, 4864), (151936, 896) })
        {
            using var x = randn(1, k);
            using var noise = randn(n, k);
            using var wf = HeldScalar.Times(noise, 0.02);
            using var wb = wf.to(ScalarType.BFloat16);
            using var q = empty(n, k, ScalarType.Int8);
            using var d = empty(n, k / 32, ScalarType.Float16);
            using var y = empty(1, n);
            fixed (byte* pf = wf.contiguous().bytes) fixed (byte* pq = q.bytes) fixed (byte* pd = d.bytes)
                Q8Blocks.Quantize((float*)pf, n, k, (sbyte*)pq, (Half*)pd);
            double Time(Action a)
            {
                a();
                var times = new List<double>();
                for (int i = 0; i < 7; i++) { var sw = Stopwatch.StartNew(); for (int j = 0; j < 5; j++) a(); times.Add(sw.Elapsed.TotalSeconds / 5); }
                return times.Order().ElementAt(3);
            }
            double tq, tb;
            fixed (byte* px = x.bytes) fixed (byte* pq = q.bytes) fixed (byte* pd = d.bytes) fixed (byte* pb = wb.bytes) fixed (byte* py = y.bytes)
            {
                float* xp = (float*)px, yp = (float*)py; sbyte* qp = (sbyte*)pq; Half* dp = (Half*)pd; ushort* bp = (ushort*)pb;
                tq = Time(() => Q8MatVec.Multiply(xp, 1, k, qp, dp, n, yp, threads));
                tb = Time(() => Bf16MatVec.Multiply(xp, 1, k, bp, n, yp, threads));
            }
            double bytesQ = n * (double)k * (1 + 2.0 / 32), bytesB = n * (double)k * 2;
            result[$"{n}x{k}"] = new JsonObject
            {
                ["q8_ms"] = Math.Round(tq * 1e3, 3), ["q8_gbps"] = Math.Round(bytesQ / tq / 1e9, 1),
                ["bf16_ms"] = Math.Round(tb * 1e3, 3), ["bf16_gbps"] = Math.Round(bytesB / tb / 1e9, 1),
            };
        }
        result["layers_q8_ms_per_token"] = Math.Round(Layers(threads) * 1e3, 2);
        return result;
    }

    /// <summary>The 168 projections of the bench model's 24 layers, each a separate matrix read from memory once
    /// per token as in decoding (no cache can hold them), with a one-row activation.</summary>
    static double Layers(int threads)
    {
        var shapes = Enumerable.Range(0, 24).SelectMany(_ => new[] { (896, 896), (128, 896), (128, 896), (896, 896), (4864, 896), (4864, 896), (896, 4864) }).ToArray();
        var mats = shapes.Select(s => (Q: zeros(s.Item1, s.Item2, ScalarType.Int8), D: ones(s.Item1, s.Item2 / 32, ScalarType.Float16), N: s.Item1, K: s.Item2)).ToList();
        using var x = randn(1, 4864);
        using var y = empty(1, 4864);
        var times = new List<double>();
        for (int rep = 0; rep < 8; rep++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var m in mats)
                fixed (byte* px = x.bytes) fixed (byte* pq = m.Q.bytes) fixed (byte* pd = m.D.bytes) fixed (byte* py = y.bytes)
                    Q8MatVec.Multiply((float*)px, 1, m.K, (sbyte*)pq, (Half*)pd, m.N, (float*)py, threads);
            if (rep > 0) times.Add(sw.Elapsed.TotalSeconds);
        }
        foreach (var m in mats) { m.Q.Dispose(); m.D.Dispose(); }
        return times.Order().ElementAt(times.Count / 2);
    }
}

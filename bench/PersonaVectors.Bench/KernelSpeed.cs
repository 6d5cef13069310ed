using System.Diagnostics;
using System.Text.Json.Nodes;
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
            using var wf = randn(n, k) * 0.02;
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
        return result;
    }
}

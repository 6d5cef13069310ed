using System.Diagnostics;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>What the machine can do in this run: GEMM throughput (compute) and large-copy bandwidth (memory).</summary>
public static class MachineLimits
{
    public static double MatmulGflops(ScalarType dtype, int n = 2048)
    {
        using var a = randn(n, n).to(dtype);
        using var b = randn(n, n).to(dtype);
        a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>GB/s moved (read + write) by copying a 1 GiB tensor.</summary>
    public static double CopyGBps()
    {
        using var src = ones(256L * 1024 * 1024);
        using var dst = empty_like(src);
        dst.copy_(src);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            dst.copy_(src);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * src.numel() * 4 / best / 1e9;
    }
}

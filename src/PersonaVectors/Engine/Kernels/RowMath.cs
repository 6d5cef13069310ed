using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PersonaVectors.Engine.Kernels;

/// <summary>Vectorised float32 loops on one row, for the decode path that runs a layer without libtorch ops.</summary>
public static unsafe class RowMath
{
    /// <summary>Σ a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc += Vector512.Load(a + i) * Vector512.Load(b + i);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Load(a + i) * Vector256.Load(b + i);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y[i] += w·x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(float w, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var wv = Vector512.Create(w);
            for (; i <= n - 16; i += 16) (Vector512.Load(y + i) + wv * Vector512.Load(x + i)).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var wv = Vector256.Create(w);
            for (; i <= n - 8; i += 8) (Vector256.Load(y + i) + wv * Vector256.Load(x + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] += w * x[i];
    }

    /// <summary>gate[i] = silu(gate[i]) · up[i], with silu(g) = g / (1 + e^-g): the SwiGLU product, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiluTimes(float* gate, float* up, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
            {
                var g = Vector512.Load(gate + i);
                (g / (Vector512<float>.One + Vector512.Exp(-g)) * Vector512.Load(up + i)).Store(gate + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
            {
                var g = Vector256.Load(gate + i);
                (g / (Vector256<float>.One + Vector256.Exp(-g)) * Vector256.Load(up + i)).Store(gate + i);
            }
        for (; i < n; i++) gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add(float* x, float* y, int n) => AddScaled(1f, x, y, n);
}

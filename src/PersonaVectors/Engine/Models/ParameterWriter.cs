using PersonaVectors.Engine.Kernels;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// Writes checkpoint values into a model's parameters, whatever they are held as. Every loader goes through
/// here, so a Q8 model quantizes on the way in, a block of rows at a time: no float32 copy of a whole tensor
/// is ever held beside the int8 one, which is what keeps an 8B model's load under its final size.
/// </summary>
public static unsafe class ParameterWriter
{
    /// <summary>Writes rows [<paramref name="rowStart"/>, + value rows) of parameter <paramref name="name"/>.</summary>
    public static void Write(CausalLM model, string name, Tensor param, Tensor value, long rowStart = 0)
    {
        long rows = value.dim() == 0 ? 1 : value.shape[0];
        bool whole = rowStart == 0 && rows == (param.dim() == 0 ? 1 : param.shape[0]);
        if (!model.Q8Scales.TryGetValue(name, out var scales))
        {
            if (whole) param.copy_(value);
            else
            {
                using var slice = param.narrow(0, rowStart, rows);
                slice.copy_(value);
            }
            return;
        }
        int k = (int)param.shape[1];
        if (rowStart < 0 || rowStart + rows > param.shape[0])
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"{name}: rows {rowStart}..{rowStart + rows} of [{string.Join(", ", param.shape)}]");
        // A scope, not `using`: .to() and .contiguous() each return a new handle, and an undisposed intermediate
        // keeps its storage alive until a garbage collection (measured: 4 bytes per weight of an 8B model).
        using var scope = NewDisposeScope();
        var f = value.to(ScalarType.Float32).contiguous();
        if (!f.shape.SequenceEqual(new[] { rows, (long)k }))
            throw new ArgumentException($"{name}: rows of shape [{string.Join(", ", f.shape)}] do not fit [{string.Join(", ", param.shape)}]");
        fixed (byte* pf = f.bytes)
        fixed (byte* pq = param.bytes)
        fixed (byte* pd = scales.bytes)
            Q8Blocks.Quantize((float*)pf, rows, k, (sbyte*)pq + rowStart * k, (Half*)pd + rowStart * (k / Q8Blocks.BlockSize));
    }

    /// <summary>Writes rows that are Q8 already (a Q8_0 GGUF tensor): int8 q [rows, k] and float16 d [rows, k/32].</summary>
    public static void WriteQ8(CausalLM model, string name, Tensor param, Tensor q, Tensor d, long rowStart = 0)
    {
        var scales = model.Q8Scales[name];
        long rows = q.shape[0];
        using (var slice = param.narrow(0, rowStart, rows)) slice.copy_(q);
        using (var slice = scales.narrow(0, rowStart, rows)) slice.copy_(d);
    }

    /// <summary>Rows of k weights each that a loader converts at a time for a Q8 parameter: 4M weights, 16 MB as float32.</summary>
    public static long BlockRows(long k) => Math.Max(1, (1L << 22) / k);

    /// <summary>True when the parameter is held as Q8.</summary>
    public static bool IsQ8(CausalLM model, string name) => model.Q8Scales.ContainsKey(name);
}

using LLama;
using LLama.Common;
using LLama.Native;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// llama.cpp (through LLamaSharp's native calls) as the independent reference: the last position's logits of a
/// GGUF model, with an F32 K/V cache and flash attention off so that it agrees with our engine to float32 rounding.
/// </summary>
public static class LlamaCpp
{
    /// <summary>
    /// Quantizes a GGUF file with llama.cpp's own quantizer. The native library is loaded first (the quantizer's
    /// entry point does not load it by itself), and the native call is made directly so that every llama.cpp type,
    /// BF16 included, can be asked for.
    /// </summary>
    public static void Quantize(string source, string destination, LLamaFtype type)
    {
        NativeApi.llama_empty_call();
        var p = LLamaModelQuantizeParams.Default();
        p.ftype = type;
        p.nthread = 2;
        uint rc = NativeApi.llama_model_quantize(source, destination, ref p);
        if (rc != 0) throw new InvalidOperationException($"llama.cpp could not quantize {source} to {type} (code {rc})");
    }

    /// <param name="configure">Runs on the context before decoding, e.g. to apply a control vector.</param>
    public static float[] LastLogits(string gguf, int[] ids, Action<LLamaWeights, SafeLLamaContextHandle>? configure = null)
    {
        var p = new ModelParams(gguf)
        {
            ContextSize = 64,
            GpuLayerCount = 0,
            FlashAttention = false,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            Threads = 2,
        };
        using var weights = LLamaWeights.LoadFromFile(p);
        using var context = weights.CreateContext(p);
        configure?.Invoke(weights, context.NativeHandle);
        var batch = new LLamaBatch();
        for (int i = 0; i < ids.Length; i++)
            batch.Add((LLamaToken)ids[i], (LLamaPos)i, (LLamaSeqId)0, i == ids.Length - 1);
        var result = context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
        return context.NativeHandle.GetLogitsIth(batch.TokenCount - 1).ToArray();
    }
}

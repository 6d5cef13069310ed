using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PersonaVectors.Engine.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// y = x Wᵀ + b with the checkpoint's [out, in] weight layout. Unlike nn.Linear it allocates without a random
/// init, since every weight is overwritten by the loader (initialising 500M parameters first costs seconds).
/// The weight may be stored narrower than the activations (see <see cref="MixedLinear"/>): bfloat16, or Q8
/// (weight dtype Int8: int8 <see cref="weight"/> and a float16 <see cref="scales"/> buffer per 32 inputs). The
/// bias is kept in the activation dtype.
/// </summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;
    /// <summary>Q8 block scales [out, in/32] (float16), when the weight is int8; a buffer, not a checkpoint tensor.</summary>
    public readonly Tensor? scales;

    /// <param name="weightDType">Int8 asks for Q8; a layer whose input size is not a multiple of 32 then keeps
    /// bfloat16 weights, as llama.cpp keeps such tensors out of Q8_0.</param>
    public Linear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype, ScalarType? weightDType = null) : base(nameof(Linear))
    {
        var stored = weightDType ?? dtype;
        if (stored == ScalarType.Int8 && inFeatures % Q8Blocks.BlockSize != 0) stored = ScalarType.BFloat16;
        weight = new Parameter(torch.empty(outFeatures, inFeatures, stored), requires_grad: false);
        if (stored == ScalarType.Int8) scales = torch.empty(outFeatures, inFeatures / Q8Blocks.BlockSize, ScalarType.Float16);
        if (hasBias) bias = new Parameter(torch.zeros(outFeatures, dtype), requires_grad: false);
        RegisterComponents();
    }

    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];
    public bool IsQ8 => scales is not null;

    /// <summary>A low-rank adapter added to this layer's output while attached (see <see cref="Lora.LoraAdapter"/>).
    /// Not a registered submodule: the base model's parameters and state stay those of the checkpoint.</summary>
    public Lora.LoraLayer? Adapter { get; internal set; }

    /// <summary>Whether <see cref="ForwardRow"/> applies: weights the streaming kernels read, no adapter.</summary>
    internal bool StreamsRows => Adapter is null && (_streamable ??= (IsQ8 || weight.dtype == ScalarType.BFloat16) && weight.is_contiguous()
        && (bias is null || bias.dtype == ScalarType.Float32));
    bool? _streamable;   // the weights' layout never changes: loaders write into them in place

    /// <summary>y = x Wᵀ + b for one float32 row, through the streaming kernel with no libtorch op.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void ForwardRow(float* x, float* y)
    {
        int k = (int)InFeatures, n = (int)OutFeatures;
        fixed (byte* pw = weight.bytes)
        {
            if (IsQ8)
                fixed (byte* pd = scales!.bytes)
                    Q8MatVec.Multiply(x, 1, k, (sbyte*)pw, (Half*)pd, n, y, MixedLinear.StreamingThreads);
            else Bf16MatVec.Multiply(x, 1, k, (ushort*)pw, n, y, MixedLinear.StreamingThreads);
        }
        AddBiasRow(y);
    }

    unsafe void AddBiasRow(float* y)
    {
        if (bias is null) return;
        fixed (byte* pb = bias.bytes)
            RowMath.Add((float*)pb, y, (int)OutFeatures);
    }

    /// <summary>
    /// Several layers of the same input on one row (q, k and v; gate and up), each into its output: Q8 layers as one
    /// job over all their rows (<see cref="Q8MatVec.MultiplyParts"/>), others one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardRow(float* x, Linear[] layers, float*[] outputs)
    {
        if (!layers.All(l => l.IsQ8))
        {
            for (int i = 0; i < layers.Length; i++) layers[i].ForwardRow(x, outputs[i]);
            return;
        }
        static IntPtr Address(Tensor t) => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));   // native storage: it does not move
        var parts = new Q8MatVec.Part[layers.Length];
        for (int i = 0; i < layers.Length; i++)
            parts[i] = new(Address(layers[i].weight), Address(layers[i].scales!), (int)layers[i].OutFeatures, (IntPtr)outputs[i]);
        Q8MatVec.MultiplyParts(x, (int)layers[0].InFeatures, parts, MixedLinear.StreamingThreads);
        for (int i = 0; i < layers.Length; i++) layers[i].AddBiasRow(outputs[i]);
    }

    public override Tensor forward(Tensor x)
    {
        if (Adapter is null) return MixedLinear.Forward(x, weight, scales, bias);
        using var scope = NewDisposeScope();
        return HeldScalar.Add(MixedLinear.Forward(x, weight, scales, bias), Adapter.Delta(x)).MoveToOuterDisposeScope();
    }
}

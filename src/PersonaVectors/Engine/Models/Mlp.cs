using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>
/// The gated feed-forward block: down(act(gate(x)) * up(x)), with SiLU (SwiGLU) or tanh-approximated GELU
/// (Gemma's GeGLU). Phi-3 stores gate and up as one gate_up_proj, gate first.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear? gate_proj, up_proj, gate_up_proj;
    public readonly Linear down_proj;
    readonly bool _gelu;
    readonly long _intermediate;

    public Mlp(ModelConfig c, ScalarType dtype, ScalarType weightDType) : base(nameof(Mlp))
    {
        _intermediate = c.IntermediateSize;
        if (c.FusedProjections) gate_up_proj = new Linear(c.HiddenSize, 2 * c.IntermediateSize, c.MlpBias, dtype, weightDType);
        else
        {
            gate_proj = new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, weightDType);
            up_proj = new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, weightDType);
        }
        down_proj = new Linear(c.IntermediateSize, c.HiddenSize, c.MlpBias, dtype, weightDType);
        _gelu = c.HiddenAct == "gelu_pytorch_tanh";
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor gate, up;
        if (gate_up_proj is null) (gate, up) = (gate_proj!.call(x), up_proj!.call(x));
        else
        {
            var both = gate_up_proj.call(x);
            (gate, up) = (both.narrow(-1, 0, _intermediate), both.narrow(-1, _intermediate, _intermediate));
        }
        return down_proj.call(Activate(gate) * up).MoveToOuterDisposeScope();
    }

    internal bool StreamsRows => !_gelu && (gate_up_proj?.StreamsRows ?? gate_proj!.StreamsRows && up_proj!.StreamsRows) && down_proj.StreamsRows;

    /// <summary>The block for one float32 row of the hidden size, into <paramref name="y"/>, with no libtorch op.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void ForwardRow(float* x, float* y)
    {
        int m = (int)_intermediate;
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(2 * m);
        try
        {
            fixed (float* gu = buffer)
            {
                float* gate = gu, up = gu + m;
                if (gate_up_proj is not null) gate_up_proj.ForwardRow(x, gu);
                else Linear.ForwardRow(x, [gate_proj!, up_proj!], [gate, up]);
                Kernels.RowMath.SiluTimes(gate, up, m);
                down_proj.ForwardRow(gate, y);
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(buffer); }
    }

    Tensor Activate(Tensor x) => _gelu ? (GeluOverride ?? GeluTanh)(x) : nn.functional.silu(x);

    /// <summary>
    /// Lets a test reproduce a reference's rounding of GELU (llama.cpp's CPU backend looks it up in an fp16 table,
    /// about 1e-3 off), so that everything else can be compared at float32 precision. Per thread, so other tests
    /// running at the same time are unaffected.
    /// </summary>
    [ThreadStatic] internal static Func<Tensor, Tensor>? GeluOverride;

    // Held for every pass: see HeldScalar.
    static readonly Scalar GeluCubic = 0.044715.ToScalar(), GeluScale = Math.Sqrt(2 / Math.PI).ToScalar(), Half = 0.5.ToScalar();

    /// <summary>PyTorch's gelu(approximate="tanh"): ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static Tensor GeluTanh(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = HeldScalar.Add(x, x * x * x * GeluCubic) * GeluScale;
        return (x * Half * HeldScalar.AddOne(inner.tanh())).MoveToOuterDisposeScope();
    }
}

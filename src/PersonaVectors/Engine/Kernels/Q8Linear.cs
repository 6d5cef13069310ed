using static TorchSharp.torch;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// x·Wᵀ over Q8 weights when a gradient must flow to x (LoRA over frozen int8 weights, as QLoRA): the forward
/// widens W to bfloat16 a tile of rows at a time and keeps nothing; the backward widens the tiles again for
/// grad_x = grad_y·W. libtorch's own linear would keep every tile for the backward pass, a bfloat16 copy of the
/// whole model (2 bytes per weight) until the step ends.
/// </summary>
public sealed class Q8Linear : autograd.SingleTensorFunction<Q8Linear>
{
    public override string Name => nameof(Q8Linear);

    /// <param name="vars">x (float), q (int8 [n, k]) and d (float16 [n, k/32]).</param>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, q, d) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        ctx.save_data("q", q);
        ctx.save_data("d", d);
        ctx.save_data("dtype", x.dtype);
        using var noGrad = no_grad();
        return MixedLinear.Q8Tiles(x, q, d);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var q = (Tensor)ctx.get_data("q");
        var d = (Tensor)ctx.get_data("d");
        var dtype = (ScalarType)ctx.get_data("dtype");
        using var noGrad = no_grad();
        return [MixedLinear.Q8TilesTransposed(gradOutput, q, d).to(dtype), null!, null!];
    }
}

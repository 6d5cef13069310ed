using TorchSharp;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Generation;

/// <summary>Picks next tokens from logits [batch, vocab]: greedy, or temperature with top-k and top-p filtering.</summary>
public static class Sampler
{
    public static Tensor Next(Tensor logits, SamplingOptions o, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var x = logits.to(ScalarType.Float32);
        if (o.Temperature <= 0) return x.argmax(-1).MoveToOuterDisposeScope();

        using var temperature = o.Temperature.ToScalar();   // held: see HeldScalar
        x = x / temperature;
        if (o.TopK > 0 && o.TopK < x.shape[^1])
        {
            var kth = x.topk(o.TopK, -1).values.narrow(-1, o.TopK - 1, 1);
            x = HeldScalar.FillMinusInfinity(x, x < kth);
        }
        if (o.TopP < 1)
        {
            var (sorted, order) = x.sort(-1, descending: true);
            var probs = sorted.softmax(-1);
            // Drop a token when the tokens ranked above it already reach top_p; the first always stays.
            using var topP = o.TopP.ToScalar();
            var drop = (probs.cumsum(-1) - probs) >= topP;
            var dropInOriginalOrder = zeros_like(drop).scatter(-1, order, drop);
            x = HeldScalar.FillMinusInfinity(x, dropInOriginalOrder);
        }
        return multinomial(x.softmax(-1), 1, generator: generator).squeeze(-1).MoveToOuterDisposeScope();
    }
}

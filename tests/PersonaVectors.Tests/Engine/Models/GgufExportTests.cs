using PersonaVectors.Engine.Gguf;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Models;

public class GgufExportTests
{
    [Fact]
    public void Permutation_interleaves_the_two_rotary_halves_of_each_head()
    {
        // 2 heads of dim 4: rows [a0 a1 b0 b1 | c0 c1 d0 d1] become [a0 b0 a1 b1 | c0 d0 c1 d1].
        using var rows = arange(0, 8, ScalarType.Float32).unsqueeze(1);
        using var p = GgufExport.PermuteRows(rows, heads: 2);
        Assert.Equal(new float[] { 0, 2, 1, 3, 4, 6, 5, 7 }, p.squeeze(1).data<float>().ToArray());
    }
}

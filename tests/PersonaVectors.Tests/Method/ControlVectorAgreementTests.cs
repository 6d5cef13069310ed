using LLama.Native;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Method;
using PersonaVectors.Method.Steering;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method;

/// <summary>
/// Fixes the numbering between our rows and llama.cpp's direction.N by measurement: a random model exported to
/// GGUF, a random persona vector exported as a control vector, llama.cpp steered by the file and our engine steered
/// by the same file. The last position's logits agree only with direction.N on row N + 1.
/// </summary>
public class ControlVectorAgreementTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void Llama_cpp_with_the_exported_control_vector_matches_our_steering(string family)
    {
        using var folder = new RandomModelFolder(family == "llama" ? TinyConfigs.LlamaJson() : TinyConfigs.Qwen2Json(), seed: 11);
        using var lm = LanguageModel.Load(folder.Path);
        int layers = lm.Config.NumHiddenLayers, hidden = lm.Config.HiddenSize;
        string model = folder["model.gguf"], control = folder["vector.gguf"];
        GgufExport.Write(lm.Model, model, [.. Enumerable.Range(0, lm.Config.VocabSize).Select(i => $"<t{i}>")], new HashSet<int>());

        using (var g = new Generator(21))
        using (var data = randn([layers + 1, hidden], generator: g) * 0.3)
        using (var v = new PersonaVector(data, "random", "test", "response_avg"))
            ControlVectorFile.Write(v, control, ControlVectorFile.FirstRow, layers, scale: 1.5, GgufExport.ArchitectureOf(lm.Config));

        int[] ids = [1, 17, 300, 42, 42, 9, 511, 128, 77, 3, 250, 64, 5, 190, 33, 2];
        float[] plain = LlamaCpp.LastLogits(model, ids);
        float[] theirs = LlamaCpp.LastLogits(model, ids, (_, ctx) => ApplyAsLlamaCppLoads(ctx, control, hidden, layers));

        using var vector = ControlVectorFile.Read(control, layers, hidden);
        float[] Ours(Func<int, int> rowOf)
        {
            var scopes = vector.ControlRows!.Select(row =>
            {
                using var at = vector.At(row);
                return lm.Model.Steer(at, rowOf(row), 1.0);
            }).ToList();
            try
            {
                using var noGrad = no_grad();
                using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
                using var logits = lm.Model.Forward(input);
                return logits[0, -1].data<float>().ToArray();
            }
            finally { foreach (var s in scopes) s.Dispose(); }
        }
        float[] ours = Ours(row => row);
        float[] shifted = Ours(row => row - 1); // the other reading: direction.N on row N
        float[] multi;
        using (MultiLayerSteering.Steer(lm.Model, vector, vector.ControlRows!, 1.0))
        using (no_grad())
        using (var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))
        using (var logits = lm.Model.Forward(input))
            multi = logits[0, -1].data<float>().ToArray();

        static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
        output.WriteLine($"{family}: steering moves llama.cpp's logits by {MaxDiff(plain, theirs):F4}; ours vs llama.cpp {MaxDiff(ours, theirs):E2}; " +
            $"multi-layer {MaxDiff(multi, theirs):E2}; direction.N on row N instead {MaxDiff(shifted, theirs):F4}");
        Assert.True(MaxDiff(plain, theirs) > 0.05, "the control vector should move llama.cpp's logits");
        Assert.True(MaxDiff(ours, theirs) <= 1e-4, $"ours vs llama.cpp: {MaxDiff(ours, theirs):E2}");
        Assert.True(MaxDiff(multi, theirs) <= 1e-4, $"multi-layer steering with the control vector vs llama.cpp: {MaxDiff(multi, theirs):E2}");
        Assert.True(MaxDiff(shifted, theirs) > 1e-2, "the off-by-one reading should disagree");
    }

    /// <summary>
    /// What llama.cpp's common loader does with a control-vector file: direction.N goes to offset (N − 1)·n_embd of a
    /// buffer that starts at layer 1, applied to layers 1..n_layer (llama_set_adapter_cvec's contract).
    /// </summary>
    static unsafe void ApplyAsLlamaCppLoads(SafeLLamaContextHandle ctx, string path, int hidden, int layers)
    {
        var buffer = new float[hidden * layers];
        using (var f = GgufFile.Open(path))
            foreach (var t in f.Tensors.Where(t => t.Name.StartsWith("direction.", StringComparison.Ordinal)))
            {
                int n = int.Parse(t.Name["direction.".Length..]);
                f.F32(t).CopyTo(buffer, (n - 1) * hidden);
            }
        fixed (float* p = buffer)
        {
            int rc = NativeApi.llama_set_adapter_cvec(ctx, p, (nuint)buffer.Length, hidden, 1, layers);
            Assert.Equal(0, rc);
        }
    }
}

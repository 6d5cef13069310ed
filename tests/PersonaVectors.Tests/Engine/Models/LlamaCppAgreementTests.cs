using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Models;

/// <summary>
/// Our forward pass against llama.cpp, an independent implementation of the same architectures, on random
/// models written in Hugging Face layout (loaded through our loader) and as GGUF (loaded by llama.cpp).
/// llama.cpp runs with an F32 K/V cache and flash attention off; then the two agree to float32 rounding.
/// </summary>
public class LlamaCppAgreementTests(ITestOutputHelper output)
{
    public static TheoryData<string> Families => ["llama", "llama3", "qwen2"];

    [Theory]
    [MemberData(nameof(Families))]
    public void Last_position_logits_match_llama_cpp(string family)
    {
        var json = family switch
        {
            "llama" => TinyConfigs.LlamaJson(),
            "llama3" => TinyConfigs.Llama3Json(),
            _ => TinyConfigs.Qwen2Json(),
        };
        var config = TinyConfigs.Parse(json);
        using var dir = new TempDir();

        using (var written = new CausalLM(config))
        {
            RandomWeights.Fill(written, seed: 7, std: 0.08);
            ModelFolderWriter.WriteConfig(config, dir.Path, ScalarType.Float32);
            ModelFolderWriter.WriteWeights(written, dir.Path, ScalarType.Float32);
        }

        // Ours: load the Hugging Face folder back through the real loader.
        using var model = new CausalLM(TinyConfigs.Parse(json));
        ModelWeights.Load(model, dir.Path);
        int[] ids = [1, 17, 300, 42, 42, 9, 511, 128, 77, 3, 250, 64, 5, 190, 33, 2, 400, 11, 90, 18];
        float[] ours;
        using (no_grad())
        {
            using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
            using var logits = model.Forward(input);
            ours = logits[0, -1].data<float>().ToArray();
        }

        // llama.cpp on the GGUF export of the same weights.
        string gguf = dir["model.gguf"];
        var vocab = Enumerable.Range(0, config.VocabSize).Select(i => $"<t{i}>").ToList();
        GgufExport.Write(model, gguf, vocab, new HashSet<int>());
        float[] theirs = LlamaCpp.LastLogits(gguf, ids);

        Assert.Equal(ours.Length, theirs.Length);
        double maxDiff = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        double scale = theirs.Max(Math.Abs);
        output.WriteLine($"{family}: max |ours - llama.cpp| = {maxDiff:E2}, max |logit| = {scale:F3}");
        Assert.True(scale > 0.5, $"logits too small to be a meaningful comparison (max |logit| {scale})");
        Assert.True(maxDiff <= 1e-3, $"{family}: max |ours - llama.cpp| = {maxDiff:E2} (max |logit| {scale:F2})");
    }
}

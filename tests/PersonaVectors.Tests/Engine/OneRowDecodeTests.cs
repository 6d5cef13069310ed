using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine;

/// <summary>
/// Decoding one token of one sequence runs each layer on float32 rows (<c>DecoderLayer.ForwardRow</c>) instead of
/// libtorch ops. It must give the general path's logits at every step: the same streaming kernels, so only the
/// order of float32 sums differs.
/// </summary>
public class OneRowDecodeTests(ITestOutputHelper output)
{
    static System.Text.Json.Nodes.JsonObject Mistral()
    {
        var o = TinyConfigs.LlamaJson();
        o["architectures"] = new System.Text.Json.Nodes.JsonArray("MistralForCausalLM");
        o["model_type"] = "mistral";
        o["sliding_window"] = 5;
        return o;
    }

    [Theory]
    [InlineData("llama", "q8")]
    [InlineData("qwen2", "q8")]
    [InlineData("phi3", "q8")]
    [InlineData("mistral", "q8")]
    [InlineData("llama3", "bf16")]
    [InlineData("gemma2", "q8")]
    [InlineData("olmo2", "bf16")]
    public void Decoding_on_rows_gives_the_general_paths_logits(string family, string dtype)
    {
        var config = TinyConfigs.Parse(family == "mistral" ? Mistral() : TinyConfigs.Json(family));
        using var wide = new CausalLM(config);
        RandomWeights.Fill(wide, seed: 6, std: 0.08);
        using var model = new CausalLM(config, ScalarType.Float32, dtype == "q8" ? ScalarType.Int8 : ScalarType.BFloat16);
        using (no_grad())
            foreach (var ((name, a), (_, b)) in wide.named_parameters().Zip(model.named_parameters()))
                ParameterWriter.Write(model, name, b, a);
        bool expected = family is not ("gemma2" or "olmo2");   // sandwich and post norms stay on the general path

        using var noGrad = no_grad();
        using var rows = new KvCache(config.NumHiddenLayers, initialCapacity: 4);   // grows twice on the way
        using var general = new KvCache(config.NumHiddenLayers, initialCapacity: 4);
        using var prompt = tensor(new long[] { 5, 9, 31, 200, 17, 3 }).unsqueeze(0);
        model.Forward(prompt, new ForwardOptions { Cache = rows }).Dispose();
        model.Forward(prompt, new ForwardOptions { Cache = general }).Dispose();
        double worst = 0, largest = 0;
        long passes = DecoderLayer.RowPasses;
        for (int step = 0; step < 12; step++)
        {
            using var next = tensor(new long[] { 40 + 7 * step }).unsqueeze(0);
            using var a = model.Forward(next, new ForwardOptions { Cache = rows });
            Tensor b;
            DecoderLayer.GeneralPathOnly = true;
            try { b = model.Forward(next, new ForwardOptions { Cache = general }); }
            finally { DecoderLayer.GeneralPathOnly = false; }
            using var _b = b;
            worst = Math.Max(worst, (a - b).abs().max().item<float>());
            largest = Math.Max(largest, b.abs().max().item<float>());
        }
        passes = DecoderLayer.RowPasses - passes;
        output.WriteLine($"{family} {dtype}: largest |row - general| {worst:E2} over 12 steps (largest |logit| {largest:F2}); {passes} layer passes on rows");
        Assert.Equal(expected ? 12 * config.NumHiddenLayers : 0, passes);
        Assert.True(worst <= 2e-5 * Math.Max(1, largest), $"row path differs by {worst}");
    }

    [Fact]
    public void Steering_between_layers_works_on_the_row_path()
    {
        var config = TinyConfigs.Parse(TinyConfigs.Qwen2Json());
        using var model = new CausalLM(config, ScalarType.Float32, ScalarType.Int8);
        var wide = new CausalLM(config);
        RandomWeights.Fill(wide, seed: 8, std: 0.08);
        using (no_grad())
            foreach (var ((name, a), (_, b)) in wide.named_parameters().Zip(model.named_parameters()))
                ParameterWriter.Write(model, name, b, a);
        wide.Dispose();
        using var noGrad = no_grad();
        using var v = TinyModels.Direction(config.HiddenSize, 3);

        Tensor Step(bool rowPath)
        {
            DecoderLayer.GeneralPathOnly = !rowPath;
            try
            {
                using var cache = new KvCache(config.NumHiddenLayers);
                using var prompt = tensor(new long[] { 11, 12, 13 }).unsqueeze(0);
                model.Forward(prompt, new ForwardOptions { Cache = cache }).Dispose();
                using var next = tensor(new long[] { 14 }).unsqueeze(0);
                using (model.Steer(v, 1, alpha: 4.0))
                    return model.Forward(next, new ForwardOptions { Cache = cache });
            }
            finally { DecoderLayer.GeneralPathOnly = false; }
        }
        using var onRows = Step(true);
        using var general = Step(false);
        Assert.True(onRows.allclose(general, rtol: 0, atol: 2e-5 * general.abs().max().item<float>()), "steered decode on rows = general path");
    }
}

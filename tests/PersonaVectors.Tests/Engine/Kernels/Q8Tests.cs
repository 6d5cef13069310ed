using LLama.Native;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Kernels;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Kernels;

/// <summary>
/// Q8 weights (--dtype q8): the blocks are llama.cpp's Q8_0 byte for byte, the decode kernel computes the
/// float64 product of the same quantized weights, and a Q8 model's logits stay within a stated bound of the
/// float32 model's.
/// </summary>
public unsafe class Q8Tests(ITestOutputHelper output)
{
    static (Tensor Q, Tensor D) Quantize(Tensor w)
    {
        long n = w.shape[0], k = w.shape[1];
        var q = empty(n, k, ScalarType.Int8);
        var d = empty(n, k / 32, ScalarType.Float16);
        using var c = w.contiguous();
        fixed (byte* pw = c.bytes) fixed (byte* pq = q.bytes) fixed (byte* pd = d.bytes)
            Q8Blocks.Quantize((float*)pw, n, (int)k, (sbyte*)pq, (Half*)pd);
        return (q, d);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>What the blocks stand for, in float64: w = d·q.</summary>
    static Tensor Dequantized(Tensor q, Tensor d) =>
        (q.to(ScalarType.Float64).view(q.shape[0], -1, 32) * d.to(ScalarType.Float64).unsqueeze(-1)).view(q.shape[0], q.shape[1]);

    [Fact]
    public void Quantizing_follows_ggml_scale_and_rounding_by_hand()
    {
        // A block whose largest magnitude is 2.54: d = 2.54/127 = 0.02 (as float16: 0.0200042...), q = round-half-away(x/d).
        var row = new float[32];
        row[0] = 2.54f; row[1] = -2.54f; row[2] = 0.03f; row[3] = -0.01f; row[4] = 0.0100021f; row[5] = 1e-9f;
        var q = new sbyte[32];
        var d = new Half[1];
        fixed (float* pr = row) fixed (sbyte* pq = q) fixed (Half* pd = d) Q8Blocks.Quantize(pr, 1, 32, pq, pd);
        Assert.Equal((Half)(2.54f / 127f), d[0]);
        Assert.Equal(new sbyte[] { 127, -127, 2, -1, 1, 0 }, q[..6]); // 0.03/0.02 = 1.5 → 2; -0.5 → -1 (away from zero)
        Assert.All(q[6..], v => Assert.Equal(0, v));

        var zeros = new float[32];
        fixed (float* pr = zeros) fixed (sbyte* pq = q) fixed (Half* pd = d) Q8Blocks.Quantize(pr, 1, 32, pq, pd);
        Assert.Equal((Half)0, d[0]);
        Assert.All(q, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Scale_widening_equals_dotnets_half_to_float_for_every_finite_half()
    {
        var all = Enumerable.Range(0, 65536).Select(i => BitConverter.UInt16BitsToHalf((ushort)i)).Where(h => Half.IsFinite(h)).ToArray();
        var wide = new float[all.Length];
        fixed (Half* ph = all) fixed (float* pf = wide) Q8Blocks.ScalesToFloat(ph, all.Length, pf);
        for (int i = 0; i < all.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits((float)all[i]) == BitConverter.SingleToInt32Bits(wide[i]), $"{all[i]}: {wide[i]}");
    }

    [Fact]
    public void Bf16_tiles_equal_libtorchs_rounding_of_the_dequantized_weights()
    {
        using var g = new Generator(5);
        using var w = randn(new long[] { 7, 96 }, generator: g);
        var (q, d) = Quantize(w);
        using var _q = q; using var _d = d;
        using var tile = empty(3, 96, ScalarType.BFloat16);
        fixed (byte* pq = q.bytes) fixed (byte* pd = d.bytes) fixed (byte* pt = tile.bytes)
            Q8Blocks.ToBFloat16((sbyte*)pq, (Half*)pd, 2, 3, 96, (ushort*)pt);
        using var expected = Dequantized(q, d).to(ScalarType.Float32).narrow(0, 2, 3).to(ScalarType.BFloat16);
        Assert.True(Same(tile.to(ScalarType.Float32), expected.to(ScalarType.Float32)), "bf16 values differ from libtorch's round to nearest even");
    }

    [Theory]
    [InlineData(1, 896, 37, 1, null)]
    [InlineData(1, 896, 37, 1, "scalar")]    // the portable loop
    [InlineData(1, 896, 37, 1, "avx2")]
    [InlineData(3, 64, 9, 2, null)]          // n not a multiple of 4
    [InlineData(4, 160, 1030, 2, null)]      // several tasks
    [InlineData(2, 160, 1030, 2, "scalar")]
    [InlineData(2, 160, 1030, 2, "avx2")]
    public void Kernel_equals_a_float64_reference_on_the_same_quantized_weights(int rows, int k, int n, int threads, string? loop)
    {
        using var g = new Generator(3);
        using var x = randn(new long[] { rows, k }, generator: g);
        using var w = randn(new long[] { n, k }, generator: g) * 0.05;
        var (q, d) = Quantize(w);
        using var _q = q; using var _d = d;
        using var y = empty(rows, n);
        Q8MatVec.ForcePath = loop;
        string ran = Q8MatVec.Path;
        try
        {
            fixed (byte* px = x.bytes) fixed (byte* pq = q.bytes) fixed (byte* pd = d.bytes) fixed (byte* py = y.bytes)
                Q8MatVec.Multiply((float*)px, rows, k, (sbyte*)pq, (Half*)pd, n, (float*)py, threads);
        }
        finally { Q8MatVec.ForcePath = null; }

        using var reference = x.to(ScalarType.Float64).matmul(Dequantized(q, d).t());
        using var err = (y.to(ScalarType.Float64) - reference).abs().max();
        output.WriteLine($"{ran}: max |kernel - float64| {err.item<double>():E2}");
        Assert.True(err.item<double>() < 2e-6 * Math.Sqrt(k), $"max error {err.item<double>()}");
        // And the quantized weights are the originals to within half a step of each block.
        using var step = (Dequantized(q, d) - w.to(ScalarType.Float64)).abs().max();
        Assert.True(step.item<double>() <= w.abs().max().item<float>() / 127 / 2 * 1.01, $"quantization error {step.item<double>()}");
    }

    [Fact]
    public void Several_matrices_as_one_job_equal_each_multiplied_alone()
    {
        // Sizes that put part boundaries inside the 256-row tasks and off the 4-row groups.
        int k = 96;
        int[] sizes = [300, 77, 130];
        using var g = new Generator(5);
        using var x = randn(new long[] { 1, k }, generator: g);
        var weights = sizes.Select(n => Quantize(randn(new long[] { n, k }, generator: g) * 0.05)).ToList();
        var together = sizes.Select(n => empty(1, n)).ToList();
        var alone = sizes.Select(n => empty(1, n)).ToList();
        static IntPtr Address(Tensor t) => (IntPtr)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(t.bytes));
        fixed (byte* px = x.bytes)
        {
            Q8MatVec.MultiplyParts((float*)px, k,
                [.. sizes.Select((n, i) => new Q8MatVec.Part(Address(weights[i].Q), Address(weights[i].D), n, Address(together[i])))], threads: 2);
            for (int i = 0; i < sizes.Length; i++)
                Q8MatVec.Multiply((float*)px, 1, k, (sbyte*)Address(weights[i].Q), (Half*)Address(weights[i].D), sizes[i], (float*)Address(alone[i]), threads: 1);
        }
        for (int i = 0; i < sizes.Length; i++)
            // Rows in a group of fewer than four take the portable loop, so grouping can change the summation order.
            Assert.True(together[i].allclose(alone[i], rtol: 0, atol: 1e-5), $"part {i} ({sizes[i]} rows) differs by {(together[i] - alone[i]).abs().max().item<float>()}");
        foreach (var t in together.Concat(alone).Concat(weights.SelectMany(w => new[] { w.Q, w.D }))) t.Dispose();
    }

    [Fact]
    public void The_gradient_through_q8_weights_is_the_gradient_through_their_dequantized_values()
    {
        using var g = new Generator(9);
        using var w = randn(new long[] { 200, 64 }, generator: g) * 0.05;
        var (q, d) = Quantize(w);
        using var _q = q; using var _d = d;
        using var x = randn(new long[] { 3, 5, 64 }, generator: g).requires_grad_(true);
        using var r = randn(new long[] { 3, 5, 200 }, generator: g);
        int tileRows = MixedLinear.Q8TileRows;
        MixedLinear.Q8TileRows = 64; // four tiles, the last one short
        try
        {
            using var y = MixedLinear.Forward(x, q, d, null);
            Assert.True(y.requires_grad, "the product must carry a gradient to x");
            using var loss = (y * r).sum();
            loss.backward();
        }
        finally { MixedLinear.Q8TileRows = tileRows; }
        using var reference = r.to(ScalarType.Float64).matmul(Dequantized(q, d));
        double err = (x.grad!.to(ScalarType.Float64) - reference).abs().max().item<double>(), top = reference.abs().max().item<double>();
        output.WriteLine($"|grad_x - r·W| {err:E2} (largest {top:F2}; bfloat16 GEMM)");
        Assert.True(err < 2e-2 * top, $"gradient off by {err} of {top}");
    }

    /// <summary>The same random weights as float32 and as Q8.</summary>
    static (CausalLM Wide, CausalLM Q8) Pair(string family = "qwen2")
    {
        var config = TinyConfigs.Parse(family == "llama" ? TinyConfigs.LlamaJson() : TinyConfigs.Qwen2Json());
        var wide = new CausalLM(config);
        RandomWeights.Fill(wide, seed: 4, std: 0.08);
        var q8 = new CausalLM(config, ScalarType.Float32, ScalarType.Int8);
        using (no_grad())
            foreach (var ((name, a), (_, b)) in wide.named_parameters().Zip(q8.named_parameters()))
                ParameterWriter.Write(q8, name, b, a);
        return (wide, q8);
    }

    [Fact]
    public void A_q8_model_decodes_within_a_stated_bound_of_the_f32_model()
    {
        var (wide, q8) = Pair();
        using var _w = wide; using var _q = q8;
        Assert.NotEmpty(q8.Q8Scales);
        Assert.True(q8.Q8Scales.ContainsKey("model.embed_tokens.weight"), "the (tied) embedding is Q8 too");
        using var noGrad = no_grad();
        using var prompt = tensor(new long[] { 5, 9, 31, 200, 17, 3 }).unsqueeze(0);
        using var c1 = new KvCache(wide.Config.NumHiddenLayers);
        using var c2 = new KvCache(wide.Config.NumHiddenLayers);
        using var p1 = wide.Forward(prompt, new ForwardOptions { Cache = c1 });
        using var p2 = q8.Forward(prompt, new ForwardOptions { Cache = c2 });
        using var next = tensor(new long[] { 42 }).unsqueeze(0);
        using var d1 = wide.Forward(next, new ForwardOptions { Cache = c1 });
        using var d2 = q8.Forward(next, new ForwardOptions { Cache = c2 });
        double prefill = (p1 - p2).abs().max().item<float>(), decode = (d1 - d2).abs().max().item<float>();
        double scale = p1.abs().max().item<float>();
        output.WriteLine($"|q8 - f32| prefill {prefill:E2}, decode {decode:E2} (largest |logit| {scale:F2})");
        // bfloat16 weights (with prefill's bfloat16 activations) for scale: Q8's error is of the same order.
        using var bf16 = new CausalLM(wide.Config, ScalarType.Float32, ScalarType.BFloat16);
        foreach (var ((_, a), (_, b)) in wide.named_parameters().Zip(bf16.named_parameters())) b.copy_(a);
        using var pb = bf16.Forward(prompt);
        output.WriteLine($"|bf16 - f32| prefill {(p1 - pb).abs().max().item<float>():E2}");
        Assert.True(prefill < 0.04 * scale && decode < 0.03 * scale, "Q8 logits more than 4% (prefill) or 3% (decode) of the largest logit away");
        Assert.True(prefill > 0, "the Q8 model must not be the f32 model");
        Assert.Equal(p1[0, -1].argmax().item<long>(), p2[0, -1].argmax().item<long>());

        // Many tiles (64 rows each) give the prefill one tile gives: tiling splits output rows only.
        int tileRows = MixedLinear.Q8TileRows;
        MixedLinear.Q8TileRows = 64;
        try
        {
            using var tiled = q8.Forward(prompt);
            MixedLinear.Q8TileRows = tileRows;
            using var once = q8.Forward(prompt);
            Assert.True(tiled.allclose(once, rtol: 0, atol: 1e-5), $"tiled prefill differs by {(tiled - once).abs().max().item<float>()}");
        }
        finally { MixedLinear.Q8TileRows = tileRows; }
    }

    [Fact]
    public void Steering_and_capture_work_on_q8_as_on_f32()
    {
        var (wide, q8) = Pair("llama");
        using var _w = wide; using var _q = q8;
        using var noGrad = no_grad();
        using var v = TinyModels.Direction(q8.Config.HiddenSize, 7);
        using var ids = TinyModels.Ids(3, 14, 15, 92, 65);
        var plain = TinyModels.RecordAll(q8, () => q8.Forward(ids));
        Dictionary<int, Tensor> steered;
        using (q8.Steer(v, 2, alpha: 3.0))
            steered = TinyModels.RecordAll(q8, () => q8.Forward(ids));
        using var expected = plain[2] + 3.0 * v;
        Assert.True(steered[2].allclose(expected, rtol: 0, atol: 1e-4), "steered stream at the layer = plain + αv");
        Assert.True(Same(steered[1], plain[1]), "earlier layers untouched");
        Assert.False(steered[3].allclose(plain[3]), "later layers move");
        foreach (var t in plain.Values.Concat(steered.Values)) t.Dispose();
    }

    [Fact]
    public void Lora_trains_float_adapters_over_frozen_q8_weights()
    {
        var (wide, q8) = Pair("llama");
        using var _w = wide; using var _q = q8;
        using var adapter = PersonaVectors.Engine.Lora.LoraAdapter.Attach(q8, new PersonaVectors.Engine.Lora.LoraConfig { Rank = 4, Alpha = 8 }, seed: 1);
        using var ids = TinyModels.Ids(3, 14, 15, 92, 65, 35, 89, 79);
        var frozen = q8.Q8Scales.Keys.Select(n => (n, q8.get_parameter(n)!.clone())).ToList();
        foreach (var (_, p) in adapter.Parameters) p.requires_grad = true;
        double Loss(bool step)
        {
            using var logits = q8.Forward(ids);
            using var loss = nn.functional.cross_entropy(logits[0, ..^1], ids[0, 1..]);
            if (!step) return loss.item<float>();
            loss.backward();
            using (no_grad())
                foreach (var (name, p) in adapter.Parameters)
                {
                    Assert.Equal(ScalarType.Float32, p.dtype);
                    if (name.Contains("lora_B")) Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} got no gradient");
                    p.sub_(p.grad! * 0.5);
                    p.grad!.zero_();
                }
            return loss.item<float>();
        }
        double first = Loss(step: true);
        for (int i = 0; i < 10; i++) Loss(step: true);
        double last = Loss(step: false);
        output.WriteLine($"LoRA over Q8: loss {first:F3} → {last:F3} in 11 steps");
        Assert.True(last < first - 0.1, $"loss {first} → {last}");
        foreach (var (name, before) in frozen)
        {
            Assert.Equal(ScalarType.Int8, q8.get_parameter(name)!.dtype);
            Assert.True(Same(before, q8.get_parameter(name)!), $"{name} changed");
            before.Dispose();
        }

        // The capture's mean is the mean of the stream a Q8 forward computes.
        using var noGrad = no_grad();
        var all = TinyModels.RecordAll(q8, () => q8.Forward(ids));
        using var capture = q8.Capture([1]);
        q8.Forward(ids).Dispose();
        using var mean = capture.Mean(1);
        using var expected = all[1].mean([1]);
        Assert.True(mean.allclose(expected, rtol: 0, atol: 1e-5), "capture mean = mean of the recorded stream");
        foreach (var t in all.Values) t.Dispose();
    }

    /// <summary>
    /// A file quantized to Q8_0 by llama.cpp's own quantizer holds the blocks our quantizer makes from the same
    /// float32 weights, byte for byte; loaded with --dtype q8 they stay int8, and its logits agree with llama.cpp's.
    /// </summary>
    [Theory]
    [InlineData("llama")] // q/k rows permuted in the file
    [InlineData("qwen2")]
    public void A_q8_0_gguf_loads_as_the_blocks_our_quantizer_makes_and_agrees_with_llama_cpp(string family)
    {
        var json = family == "llama" ? TinyConfigs.LlamaJson() : TinyConfigs.Qwen2Json();
        json["hidden_size"] = 256; json["intermediate_size"] = 512; json["num_hidden_layers"] = 2;
        json["num_attention_heads"] = 4; json["num_key_value_heads"] = 2;
        using var folder = new RandomModelFolder(json, seed: 4);
        using var lm = LanguageModel.Load(folder.Path);
        string f32 = folder["f32.gguf"], q8file = folder["q8.gguf"];
        GgufExport.Write(lm, f32, "test");
        LlamaCpp.Quantize(f32, q8file, LLamaFtype.MOSTLY_Q8_0);
        using (var f = GgufFile.Open(q8file))
            Assert.All(f.Tensors.Where(t => t.Shape.Length == 2), t => Assert.Equal(GgmlType.Q8_0, t.Type)); // so the blocks are copied, not re-quantized

        using var fromFile = LanguageModel.Load(q8file, ScalarType.Int8);
        using var fromFloats = LanguageModel.Load(folder.Path, ScalarType.Int8);
        int compared = 0;
        foreach (var (name, scales) in fromFloats.Model.Q8Scales)
        {
            var a = fromFloats.Model.get_parameter(name)!;
            var b = fromFile.Model.get_parameter(name)!;
            Assert.Equal(ScalarType.Int8, b.dtype);
            Assert.True(Same(a, b), $"{name}: int8 blocks differ from llama.cpp's");
            Assert.True(Same(scales.to(ScalarType.Float32), fromFile.Model.Q8Scales[name].to(ScalarType.Float32)), $"{name}: scales differ from llama.cpp's");
            compared++;
        }
        Assert.True(compared >= 2 * 7, $"only {compared} Q8 tensors");

        var ids = new[] { 1, 17, 300, 42, 42, 9, 511, 128, 77, 3, 250, 64, 5, 190, 33, 2 };
        using var noGrad = no_grad();
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var logits = fromFile.Model.Forward(input);
        float[] mine = logits[0, -1].data<float>().ToArray(), theirs = LlamaCpp.LastLogits(q8file, ids);
        double diff = mine.Zip(theirs, (x, y) => Math.Abs((double)x - y)).Max();
        output.WriteLine($"{family}: {compared} tensors identical to llama.cpp's Q8_0; |ours - llama.cpp| {diff:E2}");
        Assert.True(diff < 2e-2, $"|ours - llama.cpp| = {diff}");
    }
}

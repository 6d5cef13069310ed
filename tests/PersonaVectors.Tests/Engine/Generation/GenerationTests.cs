using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Generation;

public class GenerationTests
{
    static readonly int[][] Prompts =
    [
        [5, 9, 31, 200],
        [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 12],
        [301],
        [44, 120, 3, 9, 88, 401],
    ];

    static readonly HashSet<int> NoStop = [];

    [Fact]
    public void Batched_greedy_generation_equals_one_by_one()
    {
        using var model = TinyModels.Qwen2(std: 0.15);
        var options = new SamplingOptions { MaxNewTokens = 12 };
        var batched = BatchGenerator.Generate(model, Prompts, options, NoStop, padToken: 0);
        for (int i = 0; i < Prompts.Length; i++)
        {
            var single = BatchGenerator.Generate(model, [Prompts[i]], options, NoStop, padToken: 0)[0];
            Assert.Equal(single.Tokens, batched[i].Tokens);
        }
    }

    [Fact]
    public void Greedy_with_the_cache_follows_the_full_recomputation()
    {
        using var model = TinyModels.Llama(std: 0.15);
        var generated = BatchGenerator.Generate(model, [Prompts[0]], new SamplingOptions { MaxNewTokens = 8 }, NoStop, 0)[0].Tokens;
        var sequence = Prompts[0].ToList();
        using var _ = no_grad();
        foreach (int token in generated)
        {
            using var ids = tensor(sequence.Select(i => (long)i).ToArray()).unsqueeze(0);
            using var logits = model.Forward(ids);
            Assert.Equal(token, (int)logits[0, -1].argmax().item<long>());
            sequence.Add(token);
        }
    }

    [Fact]
    public void Left_padding_does_not_change_the_last_logits()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var plain = model.Forward(tensor(new long[] { 5, 9, 31, 200 }).unsqueeze(0));
        using var padded = model.Forward(tensor(new long[] { 0, 0, 0, 5, 9, 31, 200 }).unsqueeze(0),
            new ForwardOptions { PaddingMask = tensor(new long[] { 0, 0, 0, 1, 1, 1, 1 }).unsqueeze(0) });
        Assert.True(plain[0, -1].allclose(padded[0, -1], rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Same_seed_same_samples_other_seed_other_samples()
    {
        using var model = TinyModels.Qwen2(std: 0.3);
        GeneratedSequence[] Run(long seed) => BatchGenerator.Generate(model, Prompts,
            new SamplingOptions { MaxNewTokens = 16, Temperature = 1.0, TopP = 0.95, TopK = 100, Seed = seed }, NoStop, 0);
        var a = Run(42);
        var b = Run(42);
        var c = Run(43);
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(a[i].Tokens, b[i].Tokens);
        Assert.Contains(Enumerable.Range(0, Prompts.Length), i => !a[i].Tokens.SequenceEqual(c[i].Tokens));
    }

    [Fact]
    public void Generation_stops_on_a_stop_token_and_reports_why()
    {
        using var model = TinyModels.Qwen2(std: 0.15);
        var free = BatchGenerator.Generate(model, [Prompts[3]], new SamplingOptions { MaxNewTokens = 10 }, NoStop, 0)[0];
        Assert.Equal(FinishReason.Length, free.FinishReason);
        Assert.Equal(10, free.Tokens.Length);
        int stop = free.Tokens[4];
        int firstAt = Array.IndexOf(free.Tokens, stop);
        var stopped = BatchGenerator.Generate(model, [Prompts[3]], new SamplingOptions { MaxNewTokens = 10 }, new HashSet<int> { stop }, 0)[0];
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(free.Tokens[..firstAt], stopped.Tokens);
    }

    [Fact]
    public void Streaming_callback_sees_every_token_in_order()
    {
        using var model = TinyModels.Qwen2(std: 0.15);
        var seen = Prompts.Select(_ => new List<int>()).ToArray();
        var result = BatchGenerator.Generate(model, Prompts, new SamplingOptions { MaxNewTokens = 6 }, NoStop, 0, e => seen[e.Row].Add(e.Token));
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(result[i].Tokens, seen[i]);
    }

    [Fact]
    public void Sampler_filters_match_their_definitions()
    {
        using var logits = tensor(new float[] { 2.0f, 1.0f, 0.5f, -1.0f, 3.0f }).unsqueeze(0);
        using var g = new Generator(1);
        // top_k = 1 and a tiny top_p both reduce to greedy.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(4, Sampler.Next(logits, new SamplingOptions { Temperature = 1, TopK = 1 }, g).item<long>());
            Assert.Equal(4, Sampler.Next(logits, new SamplingOptions { Temperature = 1, TopP = 0.01 }, g).item<long>());
        }
        // top_k = 2 samples only the two best; frequencies follow their renormalised softmax.
        var counts = new int[5];
        for (int i = 0; i < 4000; i++) counts[Sampler.Next(logits, new SamplingOptions { Temperature = 1, TopK = 2 }, g).item<long>()]++;
        Assert.Equal(0, counts[1] + counts[2] + counts[3]);
        double p4 = Math.Exp(3) / (Math.Exp(3) + Math.Exp(2));
        Assert.InRange(counts[4] / 4000.0, p4 - 0.04, p4 + 0.04);
        // top_p = 0.8: softmax is [.23 .08 .05 .01 .63]; the two best (0.63 + 0.23 = 0.86) reach 0.8, the rest go.
        var nucleus = new int[5];
        for (int i = 0; i < 2000; i++) nucleus[Sampler.Next(logits, new SamplingOptions { Temperature = 1, TopP = 0.8 }, g).item<long>()]++;
        Assert.Equal(0, nucleus[1] + nucleus[2] + nucleus[3]);
        Assert.True(nucleus[0] > 0 && nucleus[4] > 0);
    }

    [Fact]
    public void Bad_requests_are_refused_clearly()
    {
        using var model = TinyModels.Qwen2();
        var e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => BatchGenerator.Generate(model, [], new SamplingOptions(), NoStop, 0));
        Assert.Contains("batch is empty", e.Message);
        e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => BatchGenerator.Generate(model, [[1], []], new SamplingOptions(), NoStop, 0));
        Assert.Contains("prompt 1", e.Message);
        e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => BatchGenerator.Generate(model, [[1]], new SamplingOptions { Temperature = double.NaN }, NoStop, 0));
        Assert.Contains("temperature", e.Message);
        e = Assert.Throws<PersonaVectors.InvalidRequestException>(() => BatchGenerator.Generate(model, [Enumerable.Repeat(1, 256).ToArray()], new SamplingOptions(), NoStop, 0));
        Assert.Contains("context", e.Message);
    }
}

public class AttentionPathTests
{
    [Fact]
    public void Fused_and_matmul_attention_agree_with_and_without_padding()
    {
        using var model = TinyModels.Qwen2();
        using var _ = no_grad();
        using var ids = tensor(new long[] { 0, 0, 5, 9, 31, 200, 17, 3, 88, 1 }).unsqueeze(0);
        using var pad = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }).unsqueeze(0);
        long saved = Attention.FusedAttentionThreshold;
        try
        {
            Attention.FusedAttentionThreshold = long.MaxValue;
            using var math = model.Forward(ids);
            using var mathPadded = model.Forward(ids, new ForwardOptions { PaddingMask = pad });
            Attention.FusedAttentionThreshold = 0;
            using var fused = model.Forward(ids);
            using var fusedPadded = model.Forward(ids, new ForwardOptions { PaddingMask = pad });
            Assert.True(math.allclose(fused, rtol: 0, atol: 1e-5));
            Assert.True(mathPadded[0, -1].allclose(fusedPadded[0, -1], rtol: 0, atol: 1e-5));
        }
        finally
        {
            Attention.FusedAttentionThreshold = saved;
        }
    }
}

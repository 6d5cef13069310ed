using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>In-memory random models for engine tests (no files).</summary>
public static class TinyModels
{
    public static CausalLM Qwen2(long seed = 11, ScalarType dtype = ScalarType.Float32, double std = 0.08)
    {
        var m = new CausalLM(TinyConfigs.Parse(TinyConfigs.Qwen2Json()), dtype);
        RandomWeights.Fill(m, seed, std);
        return m;
    }

    public static CausalLM Llama(long seed = 12, ScalarType dtype = ScalarType.Float32, double std = 0.08)
    {
        var m = new CausalLM(TinyConfigs.Parse(TinyConfigs.LlamaJson()), dtype);
        RandomWeights.Fill(m, seed, std);
        return m;
    }

    public static Tensor Ids(params long[] ids) => tensor(ids).unsqueeze(0);

    /// <summary>A seeded random direction of the given width, for steering and ablation tests.</summary>
    public static Tensor Direction(long hidden, long seed)
    {
        using var g = new Generator((ulong)seed);
        return randn(new long[] { hidden }, generator: g);
    }

    /// <summary>Records the full residual stream [batch, tokens, hidden] at every layer of the next pass.</summary>
    public static Dictionary<int, Tensor> RecordAll(CausalLM model, Func<Tensor> run)
    {
        var seen = new Dictionary<int, Tensor>();
        using (model.AddResidualHook((l, h, _) => { seen[l] = h.detach().clone().DetachFromDisposeScope(); return h; }, observer: true))
            run().Dispose();
        return seen;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// Peak memory of the paper's 8B model under a weight dtype: a random model with Llama-3.1-8B-Instruct's exact shape
/// (public config facts) is built and generates 32 tokens in a fresh process, which reports its peak resident
/// memory (Linux's VmHWM) above the baseline of a started runtime and libtorch.
/// </summary>
public static class Memory8B
{
    public static ModelConfig Llama31_8B() => ModelConfig.Parse(new JsonObject
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["hidden_size"] = 4096,
        ["intermediate_size"] = 14336,
        ["num_hidden_layers"] = 32,
        ["num_attention_heads"] = 32,
        ["num_key_value_heads"] = 8,
        ["vocab_size"] = 128256,
        ["max_position_embeddings"] = 131072,
        ["rope_theta"] = 500000.0,
        ["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192 },
        ["rms_norm_eps"] = 1e-5,
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = "bfloat16",
    }, "Llama-3.1-8B-Instruct shape");

    public static JsonObject Run(string dtype, int threads)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        psi.ArgumentList.Add(typeof(Memory8B).Assembly.Location);
        foreach (var a in new[] { "--measure-8b", dtype, "--threads", threads.ToString() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"the 8B memory run failed: {output}");
        return JsonNode.Parse(output)!.AsObject();
    }

    /// <summary>In the child.</summary>
    public static JsonObject MeasureHere(ScalarType weightDType, int decodeTokens = 32)
    {
        using (var warm = zeros(1)) { }
        long before = ProcessMemory.Bytes("VmRSS");
        var clock = Stopwatch.StartNew();
        using var model = new CausalLM(Llama31_8B(), ScalarType.Float32, weightDType);
        RandomWeights.Fill(model, seed: 1);
        model.eval();
        double build = clock.Elapsed.TotalSeconds;
        long afterLoad = ProcessMemory.Bytes("VmRSS");
        int[] prompt = [.. Enumerable.Range(0, 16).Select(i => 100 + i * 997 % 100000)];
        Stopwatch? sw = null;
        int events = 0;
        BatchGenerator.Generate(model, [prompt], new SamplingOptions { MaxNewTokens = decodeTokens }, new HashSet<int>(), 0, e => { if (events++ == 0) sw = Stopwatch.StartNew(); });
        double decode = (events - 1) / sw!.Elapsed.TotalSeconds;
        long peak = ProcessMemory.Bytes("VmHWM");
        return new JsonObject
        {
            ["parameters_b"] = Math.Round(model.ParameterCount / 1e9, 2),
            ["weight_dtype"] = weightDType == ScalarType.Int8 ? "q8" : weightDType.ToString(),
            ["peak_mb"] = Math.Round((peak - before) / 1e6),
            ["after_build_mb"] = Math.Round((afterLoad - before) / 1e6),
            ["rss_before_mb"] = Math.Round(before / 1e6),
            ["build_seconds"] = Math.Round(build, 1),
            ["tokens_generated"] = events,
            ["decode_b1_tokens_per_s"] = Math.Round(decode, 2),
        };
    }
}

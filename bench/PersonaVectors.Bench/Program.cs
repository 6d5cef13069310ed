using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Bench;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

// Speed of the engine against llama.cpp on the same weights and threads, beside the machine's own limits.
// Usage: dotnet run -c Release --project bench/PersonaVectors.Bench -- [--model DIR] [--threads N]
//        [--prompt-tokens 128] [--decode-tokens 32] [--batch 16] [--dtype f32|bf16] [--no-llamacpp] [--json]
//        --steering-cost: batch-1 decode unsteered, one vector at one layer, three at every layer, gated per token
//        --gguf-load-memory: the memory peak of loading Q8_0 and Q4_K_M files of the same weights, each in a fresh process
var opts = Args.Parse(args);
if (opts.Get("--measure-load", null) is { } measured)
{
    Console.WriteLine(GgufLoadMemory.MeasureHere(measured).ToJsonString());
    return 0;
}
if (opts.Has("--steering-cost"))
{
    set_num_threads(opts.Int("--threads", Environment.ProcessorCount));
    var d = opts.Get("--dtype", "f32") == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
    using var model = LanguageModel.Load(opts.Get("--model", null) ?? DefaultModel(), d);
    Console.WriteLine(SteeringCost.Run(model, opts.Int("--decode-tokens", 32), 5).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (opts.Has("--gguf-load-memory"))
{
    Console.WriteLine(GgufLoadMemory.Run(opts.Get("--model", null) ?? DefaultModel()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
int threads = opts.Int("--threads", Environment.ProcessorCount);
set_num_threads(threads);
int promptTokens = opts.Int("--prompt-tokens", 128), decodeTokens = opts.Int("--decode-tokens", 32), batch = opts.Int("--batch", 16);
var dtype = opts.Get("--dtype", "f32") == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
string folder = opts.Get("--model", null) ?? DefaultModel();

Console.Error.WriteLine($"loading {folder} ({dtype}, {threads} threads)");
using var lm = LanguageModel.Load(folder, dtype);
var bench = new EngineBench(lm, promptTokens, decodeTokens, batch);
var report = new JsonObject
{
    ["model"] = folder,
    ["parameters_m"] = Math.Round(lm.Model.parameters().Sum(p => p.numel()) / 1e6, 1),
    ["dtype"] = dtype.ToString(),
    ["threads"] = threads,
    ["machine"] = new JsonObject
    {
        ["matmul_f32_gflops"] = Math.Round(MachineLimits.MatmulGflops(ScalarType.Float32), 1),
        ["matmul_bf16_gflops"] = Math.Round(MachineLimits.MatmulGflops(ScalarType.BFloat16), 1),
        ["copy_gbps"] = Math.Round(MachineLimits.CopyGBps(), 1),
    },
};
Console.Error.WriteLine("engine: prefill");
double prefill = bench.PrefillTokensPerSecond();
double prefillCapture = bench.PrefillTokensPerSecond(capture: true);
Console.Error.WriteLine("engine: decode");
double decode1 = bench.DecodeTokensPerSecond(1);
double decode1Capture = bench.DecodeTokensPerSecond(1, capture: true);
double decodeB = bench.DecodeTokensPerSecond(batch);
report["engine"] = new JsonObject
{
    ["prefill_tokens_per_s"] = Math.Round(prefill, 1),
    ["decode_b1_tokens_per_s"] = Math.Round(decode1, 2),
    [$"decode_b{batch}_tokens_per_s"] = Math.Round(decodeB, 1),
    [$"decode_b{batch}_over_b1"] = Math.Round(decodeB / decode1, 2),
    ["capture_all_layers_prefill_overhead_pct"] = Math.Round(100 * (prefill / prefillCapture - 1), 1),
    ["capture_all_layers_decode_overhead_pct"] = Math.Round(100 * (decode1 / decode1Capture - 1), 1),
};
if (!opts.Has("--no-llamacpp"))
{
    string gguf = Path.Combine(folder, "model-f32.gguf");
    if (!File.Exists(gguf))
    {
        Console.Error.WriteLine($"exporting {gguf}");
        var tokens = Enumerable.Range(0, lm.Tokenizer.VocabSize).Select(i => lm.Tokenizer.IdToToken(i) ?? $"[UNUSED{i}]").ToList();
        using var f32 = dtype == ScalarType.Float32 ? null : LanguageModel.Load(folder);
        GgufExport.Write((f32 ?? lm).Model, gguf, tokens, new HashSet<int>());
    }
    Console.Error.WriteLine("llama.cpp: prefill and decode");
    using var llama = new LlamaCppBench(gguf, threads, promptTokens, decodeTokens, lm.Config.VocabSize);
    var (lp, ld) = llama.Run();
    report["llamacpp_f32"] = new JsonObject { ["prefill_tokens_per_s"] = Math.Round(lp, 1), ["decode_b1_tokens_per_s"] = Math.Round(ld, 2) };
    report["ratios"] = new JsonObject
    {
        ["prefill_engine_over_llamacpp"] = Math.Round(prefill / lp, 2),
        ["decode_b1_llamacpp_over_engine"] = Math.Round(ld / decode1, 2),
    };
}
Console.WriteLine(opts.Has("--json") ? report.ToJsonString() : report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static string DefaultModel()
{
    // The exact shape of Qwen2.5-0.5B-Instruct (public config facts) with random weights stored as bf16.
    string folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "personavectors", "bench-qwen2.5-0.5b-shape");
    if (File.Exists(Path.Combine(folder, "model.safetensors"))) return folder;
    var config = ModelConfig.Parse(new JsonObject
    {
        ["architectures"] = new JsonArray("Qwen2ForCausalLM"),
        ["hidden_size"] = 896,
        ["intermediate_size"] = 4864,
        ["num_hidden_layers"] = 24,
        ["num_attention_heads"] = 14,
        ["num_key_value_heads"] = 2,
        ["vocab_size"] = 151936,
        ["max_position_embeddings"] = 32768,
        ["rope_theta"] = 1000000.0,
        ["rms_norm_eps"] = 1e-6,
        ["tie_word_embeddings"] = true,
        ["torch_dtype"] = "bfloat16",
        ["sliding_window"] = 32768,
        ["use_sliding_window"] = false,
    }, "Qwen2.5-0.5B-Instruct shape");
    Console.Error.WriteLine($"writing a random model of that shape to {folder}");
    RandomModel.Write(config, folder, seed: 1, ScalarType.BFloat16, shards: 1);
    return folder;
}

sealed class Args(Dictionary<string, string?> values)
{
    public static Args Parse(string[] a)
    {
        var d = new Dictionary<string, string?>();
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a[i]}'");
            bool flag = i + 1 >= a.Length || a[i + 1].StartsWith("--", StringComparison.Ordinal);
            d[a[i]] = flag ? null : a[++i];
        }
        return new Args(d);
    }

    public bool Has(string k) => values.ContainsKey(k);
    public string? Get(string k, string? dflt) => values.TryGetValue(k, out var v) ? v : dflt;
    public int Int(string k, int dflt) => values.TryGetValue(k, out var v) && int.TryParse(v, out int x) ? x : dflt;
}

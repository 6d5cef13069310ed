using System.Text.Json;
using System.Text.Json.Nodes;
using PersonaVectors.Bench;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

// Speed of the engine against llama.cpp on the same weights and threads, beside the machine's own limits.
// Usage: dotnet run -c Release --project bench/PersonaVectors.Bench -- [--model DIR] [--threads N]
//        [--prompt-tokens 128] [--decode-tokens 32] [--batch 16] [--repeats 5] [--dtype f32|bf16|q8] [--no-llamacpp]
//        [--no-8b] [--json]
//        --steering-cost: batch-1 decode unsteered, one vector at one layer, three at every layer, gated per token
//        --lora-memory f32|bf16|q8: the memory of one LoRA step over frozen weights of that dtype (run it in its own process)
//        --kernels: the streaming kernels alone, GB/s of weights read, bf16 and q8
//        --gguf-load-memory: the memory peak of loading Q8_0 and Q4_K_M files of the same weights, each in a fresh process
//        --organism-train [--recipe NAME|FILE] [--steps 10] [--skip 2] [--micro-batches N] [--matmul f32|bf16]: where a
//          step of an organism recipe's training goes (data, forward, backward, optimizer); the shipped recipe by default
var opts = Args.Parse(args);
if (opts.Has("--organism-train"))
{
    set_num_threads(opts.Int("--threads", Environment.ProcessorCount));
    string organism = opts.Get("--model", null) ?? Path.Combine(AppContext.BaseDirectory, "models", "organism");
    Console.WriteLine(OrganismTrainStep.Run(organism, opts.Get("--recipe", null) ?? PersonaVectors.World.Organism.OrganismDesigns.Shipped, opts.Int("--steps", 10), opts.Int("--skip", 2),
        opts.Get("--micro-batches", null) is { } m ? int.Parse(m) : null,
        ParseDType(opts.Get("--matmul", "f32")!) switch
        {
            ScalarType.Float32 => null,
            ScalarType.BFloat16 => ScalarType.BFloat16,
            _ => throw new ArgumentException("--matmul is f32 or bf16"),
        }).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (opts.Get("--measure-load", null) is { } measured)
{
    Console.WriteLine(GgufLoadMemory.MeasureHere(measured, ParseDType(opts.Get("--dtype", "f32")!)).ToJsonString());
    return 0;
}
if (opts.Get("--measure-8b", null) is { } eightB)
{
    set_num_threads(opts.Int("--threads", Environment.ProcessorCount));
    Console.WriteLine(Memory8B.MeasureHere(ParseDType(eightB)).ToJsonString());
    return 0;
}
if (opts.Get("--lora-memory", null) is { } loraDType)
{
    set_num_threads(opts.Int("--threads", Environment.ProcessorCount));
    Console.WriteLine(LoraMemory.MeasureHere(opts.Get("--model", null) ?? DefaultModel(), ParseDType(loraDType)).ToJsonString());
    return 0;
}
if (opts.Has("--kernels"))
{
    Console.WriteLine(KernelSpeed.Run(opts.Int("--threads", Environment.ProcessorCount)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (opts.Has("--steering-cost"))
{
    set_num_threads(opts.Int("--threads", Environment.ProcessorCount));
    using var model = LanguageModel.Load(opts.Get("--model", null) ?? DefaultModel(), ParseDType(opts.Get("--dtype", "f32")!));
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
int repeats = Math.Max(5, opts.Int("--repeats", 5));
string dtypeName = opts.Get("--dtype", "f32")!;
var dtype = ParseDType(dtypeName);
bool q8 = dtype == ScalarType.Int8;
string folder = opts.Get("--model", null) ?? DefaultModel();

Console.Error.WriteLine($"loading {folder} ({dtypeName}, {threads} threads, {repeats} runs per figure)");
using var lm = LanguageModel.Load(folder, dtype);
var bench = new EngineBench(lm, promptTokens, decodeTokens, batch, repeats);
var report = new JsonObject
{
    ["model"] = folder,
    ["parameters_m"] = Math.Round(lm.Model.parameters().Sum(p => p.numel()) / 1e6, 1),
    ["dtype"] = dtypeName,
    ["threads"] = threads,
    ["repeats"] = repeats,
    ["machine"] = new JsonObject
    {
        ["matmul_f32_gflops"] = Math.Round(MachineLimits.MatmulGflops(ScalarType.Float32), 1),
        ["matmul_bf16_gflops"] = Math.Round(MachineLimits.MatmulGflops(ScalarType.BFloat16), 1),
        ["copy_gbps"] = Math.Round(MachineLimits.CopyGBps(), 1),
    },
};
static JsonObject Rate(string key, Figure f, int digits = 2) => new() { [key] = Math.Round(f.Median, digits), [key.Replace("tokens_per_s", "spread")] = Math.Round(f.Spread, digits) };
static JsonObject Both(Figure prefill, Figure decode)
{
    var o = Rate("prefill_tokens_per_s", prefill, 1);
    foreach (var kv in Rate("decode_b1_tokens_per_s", decode)) o[kv.Key] = kv.Value?.DeepClone();
    return o;
}
Console.Error.WriteLine("engine: prefill");
var (prefill, prefillCapture) = bench.Prefill();
Console.Error.WriteLine("engine: decode, capture and steering");
var (decode1, decode1Capture) = bench.DecodeB1(bench.CaptureAnswers);
var (decodePlain, decodeSteered) = bench.DecodeB1(bench.SteerOneLayer);
var decodeB = bench.DecodeBatch();
var engine = Both(prefill, decode1);
engine[$"decode_b{batch}_tokens_per_s"] = Math.Round(decodeB.Median, 1);
engine[$"decode_b{batch}_over_b1"] = Math.Round(decodeB.Median / decode1.Median, 2);
engine["capture_all_layers_prefill_overhead_pct"] = Math.Round(Figure.OverheadPct(prefill, prefillCapture), 1);
engine["capture_all_layers_decode_overhead_pct"] = Math.Round(Figure.OverheadPct(decode1, decode1Capture), 1);
report["engine"] = engine;
if (q8) report["engine_q8"] = Both(prefill, decode1);
var ratios = new JsonObject { ["steering_overhead_pct"] = Math.Round(Figure.OverheadPct(decodePlain, decodeSteered), 1) };
report["steering_one_layer"] = new JsonObject
{
    ["unsteered"] = Rate("decode_b1_tokens_per_s", decodePlain),
    ["steered"] = Rate("decode_b1_tokens_per_s", decodeSteered),
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
    (Figure Prefill, Figure Decode) Llama(string file)
    {
        Console.Error.WriteLine($"llama.cpp: {Path.GetFileName(file)}");
        using var llama = new LlamaCppBench(file, threads, promptTokens, decodeTokens, lm.Config.VocabSize);
        return llama.Run(repeats);
    }
    var (lp, ld) = Llama(gguf);
    report["llamacpp_f32"] = Both(lp, ld);
    ratios["prefill_engine_over_llamacpp"] = Math.Round(prefill.Median / lp.Median, 2);
    ratios["decode_b1_llamacpp_over_engine"] = Math.Round(ld.Median / decode1.Median, 2);
    if (q8)
    {
        var (qp, qd) = Llama(LlamaCppQuantized(gguf, "q8_0"));
        var (kp, kd) = Llama(LlamaCppQuantized(gguf, "q4_k_m"));
        report["llamacpp_q8_0"] = Both(qp, qd);
        report["llamacpp_q4_k_m"] = Both(kp, kd);
        ratios["decode_b1_q8_over_llamacpp_q8_0"] = Math.Round(decode1.Median / qd.Median, 2);
        ratios["prefill_q8_over_llamacpp_q8_0"] = Math.Round(prefill.Median / qp.Median, 2);
        ratios["decode_b1_q8_over_llamacpp_q4_k_m"] = Math.Round(decode1.Median / kd.Median, 2);
    }
}
report["ratios"] = ratios;
if (q8 && !opts.Has("--no-8b"))
{
    Console.Error.WriteLine("8B shape: building a random Llama-3.1-8B-shaped model in a fresh process and generating 32 tokens");
    report["llama31_8b_shape"] = Memory8B.Run(dtypeName, threads);
}
Console.WriteLine(opts.Has("--json") ? report.ToJsonString() : report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static ScalarType ParseDType(string s) => s switch
{
    "f32" => ScalarType.Float32,
    "bf16" => ScalarType.BFloat16,
    "q8" => ScalarType.Int8,
    _ => throw new ArgumentException($"--dtype '{s}' is not one of f32, bf16, q8"),
};

/// <summary>The F32 export quantized by llama.cpp's own quantizer (once; kept beside it).</summary>
static string LlamaCppQuantized(string f32, string name)
{
    string file = Path.Combine(Path.GetDirectoryName(f32)!, $"model-{name}-llamacpp.gguf");
    if (File.Exists(file)) return file;
    Console.Error.WriteLine($"quantizing {file} with llama.cpp");
    LLama.Native.NativeApi.llama_empty_call();
    var p = LLama.Native.LLamaModelQuantizeParams.Default();
    p.ftype = name == "q8_0" ? LLama.Native.LLamaFtype.MOSTLY_Q8_0 : LLama.Native.LLamaFtype.MOSTLY_Q4_K_M;
    string partial = file + ".partial";
    if (LLama.Native.NativeApi.llama_model_quantize(f32, partial, ref p) != 0) throw new InvalidOperationException($"llama.cpp could not quantize to {name}");
    File.Move(partial, file);
    return file;
}

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

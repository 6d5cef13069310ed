using System.Diagnostics;
using System.Text.Json.Nodes;
using LLama.Native;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Gguf;

namespace PersonaVectors.Bench;

/// <summary>
/// How much memory loading a quantized GGUF takes: each file is loaded in a fresh process, which reports its
/// resident memory before the load (runtime and libtorch up) and its peak after it (Linux's VmHWM). The load's
/// peak is compared with the dequantized weights plus the largest tensor.
/// </summary>
public static class GgufLoadMemory
{
    public static JsonObject Run(string folder)
    {
        string f32 = Path.Combine(folder, "model-full-f32.gguf");
        long parameters, largest;
        using (var lm = LanguageModel.Load(folder))
        {
            parameters = lm.Model.parameters().Sum(p => p.numel());
            largest = lm.Model.parameters().Max(p => p.numel());
            if (!File.Exists(f32))
            {
                Console.Error.WriteLine($"exporting {f32}");
                GgufExport.Write(lm, f32, "bench");
            }
        }
        var result = new JsonObject
        {
            ["dequantized_weights_mb"] = Math.Round(parameters * 4 / 1e6),
            ["largest_tensor_mb"] = Math.Round(largest * 4 / 1e6),
        };
        foreach (var (name, type) in new[] { ("q8_0", LLamaFtype.MOSTLY_Q8_0), ("q4_k_m", LLamaFtype.MOSTLY_Q4_K_M) })
        {
            string file = Path.Combine(folder, $"model-{name}.gguf");
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"quantizing {file} with llama.cpp");
                NativeApi.llama_empty_call();
                var p = LLamaModelQuantizeParams.Default();
                p.ftype = type;
                if (NativeApi.llama_model_quantize(f32, file, ref p) != 0) throw new InvalidOperationException($"llama.cpp could not quantize to {name}");
            }
            var child = Measure(file, "f32");
            child["file_mb"] = Math.Round(new FileInfo(file).Length / 1e6);
            result[name] = child;
        }
        // Q8_0 loaded as Q8: its blocks are copied as they are, so the peak is about the file, not four times it.
        var q8 = Measure(Path.Combine(folder, "model-q8_0.gguf"), "q8");
        q8["file_mb"] = Math.Round(new FileInfo(Path.Combine(folder, "model-q8_0.gguf")).Length / 1e6);
        result["q8_0_as_q8"] = q8;
        return result;
    }

    static JsonObject Measure(string file, string dtype)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        psi.ArgumentList.Add(typeof(GgufLoadMemory).Assembly.Location);
        psi.ArgumentList.Add("--measure-load");
        psi.ArgumentList.Add(file);
        psi.ArgumentList.Add("--dtype");
        psi.ArgumentList.Add(dtype);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"measuring {file} failed: {output}");
        return JsonNode.Parse(output)!.AsObject();
    }

    /// <summary>In the child: resident memory before and the peak after loading <paramref name="file"/>.</summary>
    public static JsonObject MeasureHere(string file, TorchSharp.torch.ScalarType dtype)
    {
        using (var warm = TorchSharp.torch.zeros(1)) { } // libtorch loaded before the baseline
        long before = ProcessMemory.Bytes("VmRSS");
        var clock = Stopwatch.StartNew();
        using var lm = LanguageModel.Load(file, dtype);
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.Bytes("VmHWM"), after = ProcessMemory.Bytes("VmRSS");
        return new JsonObject
        {
            ["rss_before_mb"] = Math.Round(before / 1e6),
            ["load_peak_mb"] = Math.Round((peak - before) / 1e6),
            ["after_load_mb"] = Math.Round((after - before) / 1e6),
            ["load_seconds"] = Math.Round(seconds, 1),
        };
    }
}

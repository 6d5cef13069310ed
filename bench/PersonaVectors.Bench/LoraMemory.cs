using System.Diagnostics;
using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Engine.Lora;
using static TorchSharp.torch;

namespace PersonaVectors.Bench;

/// <summary>
/// What one LoRA training step costs in memory over frozen weights of a given dtype: the model is loaded, adapters
/// attached on every projection (rank 8), and one forward and backward pass over 64 tokens run; the process reports
/// its resident memory after the load and its peak (VmHWM) after the step.
/// </summary>
public static class LoraMemory
{
    public static JsonObject MeasureHere(string folder, ScalarType dtype)
    {
        using (var warm = zeros(1)) { }
        long before = ProcessMemory.Bytes("VmRSS");
        using var lm = LanguageModel.Load(folder, dtype);
        long loaded = ProcessMemory.Bytes("VmRSS");
        using var adapter = LoraAdapter.Attach(lm.Model, new LoraConfig { Rank = 8, Alpha = 16 }, seed: 1);
        foreach (var (_, p) in adapter.Parameters) p.requires_grad = true;
        var rng = new Random(1);
        using var ids = tensor(Enumerable.Range(0, 64).Select(_ => (long)rng.Next(10, 30000)).ToArray()).unsqueeze(0);
        var clock = Stopwatch.StartNew();
        using (var logits = lm.Model.Forward(ids))
        using (var loss = nn.functional.cross_entropy(logits[0, ..^1], ids[0, 1..]))
            loss.backward();
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.Bytes("VmHWM");
        return new JsonObject
        {
            ["dtype"] = dtype == ScalarType.Int8 ? "q8" : dtype.ToString(),
            ["after_load_mb"] = Math.Round((loaded - before) / 1e6),
            ["step_peak_above_load_mb"] = Math.Round((peak - loaded) / 1e6),
            ["step_seconds"] = Math.Round(seconds, 1),
        };
    }
}

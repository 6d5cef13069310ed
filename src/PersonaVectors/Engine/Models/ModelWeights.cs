using System.Text.Json;
using PersonaVectors.Engine.Safetensors;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Models;

/// <summary>Fills a <see cref="CausalLM"/> from model.safetensors or a sharded set with its index file.</summary>
public static class ModelWeights
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>The safetensors files of a model folder, keyed by tensor name.</summary>
    public static Dictionary<string, string> TensorFiles(string folder)
    {
        string single = Path.Combine(folder, SingleFile);
        string index = Path.Combine(folder, IndexFile);
        if (File.Exists(index))
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(File.ReadAllText(index)); }
            catch (JsonException e) { throw new ModelFormatException(index, $"not valid JSON: {e.Message}"); }
            using (doc)
            {
                if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                    throw new ModelFormatException(index, "missing object field 'weight_map' (tensor name → shard file)");
                var result = new Dictionary<string, string>();
                foreach (var p in map.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String)
                        throw new ModelFormatException(index, $"weight_map.{p.Name} must be a file name");
                    string shard = Path.Combine(folder, p.Value.GetString()!);
                    if (!File.Exists(shard)) throw new ModelFormatException(index, $"weight_map.{p.Name} names {p.Value.GetString()}, which is missing");
                    result[p.Name] = shard;
                }
                return result;
            }
        }
        if (File.Exists(single))
        {
            using var f = SafetensorsFile.Open(single);
            return f.Entries.Keys.ToDictionary(k => k, _ => single);
        }
        throw new ModelFormatException(folder, $"no weights: expected {SingleFile} or {IndexFile}");
    }

    public static void Load(CausalLM model, string folder)
    {
        var where = TensorFiles(folder);
        var open = new Dictionary<string, SafetensorsFile>();
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, param) in model.named_parameters())
            {
                if (!where.TryGetValue(name, out string? file))
                    throw new ModelFormatException(folder, $"tensor '{name}' is missing from the weights (the config implies it)");
                if (!open.TryGetValue(file, out var st)) open[file] = st = SafetensorsFile.Open(file);
                var entry = st.Entries.TryGetValue(name, out var e) ? e
                    : throw new ModelFormatException(file, $"tensor '{name}' is listed in the index but not in this shard");
                if (!entry.Shape.SequenceEqual(param.shape))
                    throw new ModelFormatException(file, $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}] but config.json implies [{string.Join(", ", param.shape)}]");
                if (entry.DType is not ("F32" or "F16" or "BF16"))
                    throw new ModelFormatException(file, $"tensor '{name}' has dtype {entry.DType}; weights must be F32, F16 or BF16");
                // Quantized models take a block of rows at a time, so no float copy of a whole tensor is held.
                if (ParameterWriter.IsQ8(model, name))
                {
                    long block = ParameterWriter.BlockRows(entry.Shape[1]);
                    for (long r = 0; r < entry.Shape[0]; r += block)
                    {
                        using var rows = st.ReadRows(name, r, Math.Min(block, entry.Shape[0] - r));
                        ParameterWriter.Write(model, name, param, rows, r);
                    }
                }
                else
                {
                    using var raw = st.Read(name);
                    param.copy_(raw);
                }
                st.Release(name);
            }
        }
        finally
        {
            foreach (var f in open.Values) f.Dispose();
        }
    }

    /// <summary>The tensors to save for a model, under their checkpoint names.</summary>
    public static List<(string Name, Tensor Tensor)> Named(CausalLM model) =>
        model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
}

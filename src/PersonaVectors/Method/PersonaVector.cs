using System.Globalization;
using PersonaVectors.Engine.Gguf;
using PersonaVectors.Engine.Models;
using PersonaVectors.Engine.Safetensors;
using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>
/// A persona vector: one direction per residual layer, shaped [num_hidden_layers + 1, hidden_size], row l for
/// the output of block l (row 0: embeddings). Stored as a safetensors file with one F32 tensor named
/// <c>vectors</c> and string metadata (trait, model, kind, hidden_size, num_layers), readable by Python's
/// safetensors as is. <see cref="Load"/> also reads llama.cpp control-vector GGUF files (<see cref="ControlVectorFile"/>).
/// </summary>
public sealed class PersonaVector : IDisposable
{
    public const string TensorName = "vectors";

    public Tensor Vectors { get; }
    public string Trait { get; }
    public string Model { get; }
    /// <summary>How activations were reduced: response_avg, prompt_avg or prompt_last.</summary>
    public string Kind { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public int NumLayers => (int)Vectors.shape[0] - 1;

    /// <summary>
    /// For a vector read from a llama.cpp control-vector file, the rows the file gives (the others are zero); null for
    /// our own files, which give every row.
    /// </summary>
    public IReadOnlyList<int>? ControlRows { get; }
    public int HiddenSize => (int)Vectors.shape[1];

    public PersonaVector(Tensor vectors, string trait, string model, string kind, IReadOnlyDictionary<string, string>? extra = null)
    {
        if (vectors.dim() != 2) throw new ArgumentException($"vectors must be [layers + 1, hidden], got [{string.Join(", ", vectors.shape)}]");
        Vectors = vectors.detach().to(ScalarType.Float32).cpu().contiguous().DetachFromDisposeScope();
        Trait = trait; Model = model; Kind = kind;
        var meta = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["trait"] = trait,
            ["model"] = model,
            ["kind"] = kind,
            ["hidden_size"] = HiddenSize.ToString(CultureInfo.InvariantCulture),
            ["num_layers"] = NumLayers.ToString(CultureInfo.InvariantCulture),
        };
        Metadata = meta;
        if (meta.TryGetValue("source", out var src) && src == "llama.cpp control vector" && meta.TryGetValue("rows", out var rows))
            ControlRows = [.. rows.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))];
    }

    /// <summary>The direction at one residual layer, [hidden].</summary>
    public Tensor At(int layer)
    {
        if (layer < 0 || layer > NumLayers) throw new InvalidRequestException($"layer {layer} is out of range: the vector has layers 0..{NumLayers}");
        if (ControlRows is { } rows && !rows.Contains(layer))
            throw new InvalidRequestException($"layer {layer} has no direction in this control vector: it steers layers {string.Join(",", rows)} (direction.N is layer N + 1)");
        return Vectors[layer];
    }

    /// <summary>The vector at one layer as a <see cref="TraitVector"/>.</summary>
    public TraitVector AtLayer(int layer)
    {
        using var row = At(layer);
        return new TraitVector(Trait, layer, row.data<float>().ToArray());
    }

    public void Save(string path)
    {
        // A vector arithmetic overflow (1e999·v) would otherwise be written and fail only where it is used.
        if (NonFiniteRow() is int row) throw new InvalidRequestException($"{path}: the vector has NaN or infinite values at layer {row}; nothing written");
        AtomicFile.CreateFolderFor(path);
        SafetensorsWriter.Write(path, [(TensorName, Vectors)], Metadata);
    }

    /// <summary>Reads a persona vector file, or a llama.cpp control-vector GGUF (told apart by the file's first bytes).</summary>
    public static PersonaVector Load(string path)
    {
        if (File.Exists(path) && GgufFile.IsGguf(path)) return ControlVectorFile.Read(path);
        using var file = SafetensorsFile.Open(path);
        if (!file.Entries.TryGetValue(TensorName, out var entry))
            throw new ModelFormatException(path, $"no tensor named '{TensorName}': not a persona vector file");
        if (entry.DType != "F32" || entry.Shape.Length != 2)
            throw new ModelFormatException(path, $"'{TensorName}' must be F32 [layers + 1, hidden], got {entry.DType} [{string.Join(", ", entry.Shape)}]");
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v
            : throw new ModelFormatException(path, $"metadata field '{key}' is missing");
        int Int(string key) => int.TryParse(Meta(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
            : throw new ModelFormatException(path, $"metadata field '{key}' must be an integer, got '{Meta(key)}'");
        if (Int("hidden_size") != entry.Shape[1] || Int("num_layers") + 1 != entry.Shape[0])
            throw new ModelFormatException(path, $"metadata says hidden_size {Int("hidden_size")} and num_layers {Int("num_layers")}, but the tensor is [{entry.Shape[0]}, {entry.Shape[1]}]");
        using var t = file.Read(TensorName);
        var vector = new PersonaVector(t, Meta("trait"), Meta("model"), Meta("kind"), file.Metadata);
        if (vector.NonFiniteRow() is int row)
        {
            vector.Dispose();
            throw new ModelFormatException(path, $"the vector has NaN or infinite values at layer {row}");
        }
        return vector;
    }

    /// <summary>The first layer whose row holds a NaN or an infinity, or null.</summary>
    int? NonFiniteRow()
    {
        using var finite = Vectors.isfinite().all(1);
        var rows = finite.data<bool>().ToArray();
        int bad = Array.IndexOf(rows, false);
        return bad < 0 ? null : bad;
    }

    /// <summary>Refuses a vector made for another shape of model, naming both sizes.</summary>
    public void EnsureFits(ModelConfig config, string source)
    {
        // A control vector may stop short of the last layer (a tool exported a subset); its rows must still exist.
        bool layersFit = ControlRows is null ? NumLayers == config.NumHiddenLayers : NumLayers <= config.NumHiddenLayers;
        if (HiddenSize != config.HiddenSize || !layersFit)
            throw new InvalidRequestException(
                $"{source}: the vector has hidden size {HiddenSize} and {NumLayers} layers, but the model has hidden size {config.HiddenSize} and {config.NumHiddenLayers} layers");
    }

    public void Dispose() => Vectors.Dispose();
}

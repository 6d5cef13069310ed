using TorchSharp;

namespace PersonaVectors.Engine.Safetensors;

/// <summary>The dtype strings of the safetensors format and their TorchSharp equivalents.</summary>
public static class SafetensorsDType
{
    static readonly Dictionary<string, (torch.ScalarType Type, int Size)> ByName = new()
    {
        ["F64"] = (torch.ScalarType.Float64, 8),
        ["F32"] = (torch.ScalarType.Float32, 4),
        ["F16"] = (torch.ScalarType.Float16, 2),
        ["BF16"] = (torch.ScalarType.BFloat16, 2),
        ["I64"] = (torch.ScalarType.Int64, 8),
        ["I32"] = (torch.ScalarType.Int32, 4),
        ["I16"] = (torch.ScalarType.Int16, 2),
        ["I8"] = (torch.ScalarType.Int8, 1),
        ["U8"] = (torch.ScalarType.Byte, 1),
        ["BOOL"] = (torch.ScalarType.Bool, 1),
    };

    public static IReadOnlyCollection<string> Supported => ByName.Keys;

    public static bool TryParse(string name, out torch.ScalarType type, out int elementSize)
    {
        bool ok = ByName.TryGetValue(name, out var entry);
        (type, elementSize) = entry;
        return ok;
    }

    public static string NameOf(torch.ScalarType type) =>
        ByName.FirstOrDefault(kv => kv.Value.Type == type).Key
        ?? throw new ArgumentException($"dtype {type} has no safetensors name");
}

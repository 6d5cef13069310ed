namespace PersonaVectors.Engine.Gguf;

/// <summary>GGML tensor types, numbered as in ggml.h (the numbers are what a GGUF file stores).</summary>
public enum GgmlType : uint
{
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30,
}

/// <summary>How many elements a block of each type holds and how many bytes it takes (ggml's type traits).</summary>
public static class GgmlTypes
{
    static readonly Dictionary<GgmlType, (int Elements, int Bytes)> Blocks = new()
    {
        [GgmlType.F32] = (1, 4), [GgmlType.F16] = (1, 2), [GgmlType.BF16] = (1, 2), [GgmlType.F64] = (1, 8),
        [GgmlType.I8] = (1, 1), [GgmlType.I16] = (1, 2), [GgmlType.I32] = (1, 4), [GgmlType.I64] = (1, 8),
        [GgmlType.Q4_0] = (32, 18), [GgmlType.Q4_1] = (32, 20), [GgmlType.Q5_0] = (32, 22), [GgmlType.Q5_1] = (32, 24),
        [GgmlType.Q8_0] = (32, 34), [GgmlType.Q8_1] = (32, 36),
        [GgmlType.Q2_K] = (256, 84), [GgmlType.Q3_K] = (256, 110), [GgmlType.Q4_K] = (256, 144), [GgmlType.Q5_K] = (256, 176),
        [GgmlType.Q6_K] = (256, 210), [GgmlType.Q8_K] = (256, 292),
    };

    public static bool IsKnown(GgmlType type) => Blocks.ContainsKey(type);

    public static (int Elements, int Bytes) Block(GgmlType type) =>
        Blocks.TryGetValue(type, out var b) ? b : throw new InvalidRequestException($"GGML type {(uint)type} is not one this project reads");

    /// <summary>Bytes a tensor of <paramref name="elements"/> takes; rows (ne0) must hold whole blocks.</summary>
    public static long ByteSize(GgmlType type, long ne0, long elements, string name, string file)
    {
        var (per, bytes) = Block(type);
        if (ne0 % per != 0) throw new ModelFormatException(file, $"tensor '{name}' is {type} with rows of {ne0} elements, not a multiple of its block of {per}");
        return elements / per * bytes;
    }
}

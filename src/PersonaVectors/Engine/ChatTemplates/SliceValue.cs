namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>A Python slice object, the key of <c>x[a:b:c]</c>.</summary>
internal sealed record SliceValue(object? Start, object? Stop, object? Step)
{
    /// <summary>
    /// slice.indices(length) followed by the index walk. Returns null when a bound is not an int or None
    /// (a TypeError in Python).
    /// </summary>
    public List<int>? Indices(int length)
    {
        if (!IsIndex(Start) || !IsIndex(Stop) || !IsIndex(Step)) return null;
        long step = Step is null ? 1 : AsLong(Step);
        if (step == 0) throw new JinjaError("slice step cannot be zero");
        long lower = step > 0 ? 0 : -1, upper = step > 0 ? length : length - 1;
        long start = Start is null ? (step > 0 ? lower : upper) : Clamp(AsLong(Start), length, lower, upper);
        long stop = Stop is null ? (step > 0 ? upper : lower) : Clamp(AsLong(Stop), length, lower, upper);
        var result = new List<int>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) result.Add((int)i);
        return result;
    }

    static bool IsIndex(object? v) => v is null or long or bool;
    static long AsLong(object? v) => v is bool b ? (b ? 1 : 0) : (long)v!;

    static long Clamp(long index, int length, long lower, long upper)
    {
        if (index < 0)
        {
            index += length;
            return index < lower ? lower : index;
        }
        return index > upper ? upper : index;
    }
}

namespace PersonaVectors.Engine.Training;

/// <summary>
/// Which examples make up a step's batch, as a pure function of (seed, step): the data is walked epoch by
/// epoch, each epoch in its own seeded order. A resumed run therefore needs no data-loader state.
/// </summary>
public static class DeterministicBatches
{
    /// <summary>Indices into a data set of <paramref name="count"/> examples for 0-based <paramref name="step"/>.</summary>
    public static int[] Indices(int count, int step, int batchSize, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "the data set is empty");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be non-negative");
        var result = new int[batchSize];
        long position = (long)step * batchSize;
        long epoch = -1;
        int[] order = [];
        for (int i = 0; i < batchSize; i++, position++)
        {
            if (position / count != epoch)
            {
                epoch = position / count;
                order = Permutation(count, seed, epoch);
            }
            result[i] = order[position % count];
        }
        return result;
    }

    public static IReadOnlyList<T> Batch<T>(IReadOnlyList<T> data, int step, int batchSize, long seed) =>
        [.. Indices(data.Count, step, batchSize, seed).Select(i => data[i])];

    // Fisher-Yates driven by SplitMix64: fixed here rather than System.Random, whose sequence is not a contract.
    static int[] Permutation(int count, long seed, long epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch;
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

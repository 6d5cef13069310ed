using static TorchSharp.torch;

namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// libtorch on one thread while a few rows decode through the streaming kernels. Those kernels run on their own
/// .NET threads; the ops between them (norms, rotary, attention over one query) are too small to split, yet
/// libtorch's OpenMP workers still wake and spin for each, taking cores from the kernels. Measured on the
/// Qwen2.5-0.5B shape under q8 with 2 cores (bench --steering-cost): 23-27 tokens/s with libtorch on two threads,
/// 33-36 on one. Nested and concurrent scopes share one count, so the last to leave restores the thread count.
/// </summary>
public static class DecodeThreads
{
    static readonly Lock Gate = new();
    static int _depth, _saved;

    /// <summary>A scope with libtorch on one thread; disposing it restores the count it found.</summary>
    public static IDisposable Single()
    {
        // Read before the first switch: the kernels' own count defaults to libtorch's.
        _ = MixedLinear.StreamingThreads;
        lock (Gate)
        {
            if (_depth++ == 0)
            {
                _saved = get_num_threads();
                if (_saved != 1) set_num_threads(1);
            }
        }
        return new Release();
    }

    sealed class Release : IDisposable
    {
        int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            lock (Gate)
                if (--_depth == 0 && _saved != 1) set_num_threads(_saved);
        }
    }
}

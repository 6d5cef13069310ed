using System.Runtime.CompilerServices;
namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// A fork-join of the caller and a few persistent threads that spin briefly between jobs before they sleep, as
/// OpenMP's workers do: waking a thread-pool thread costs tens of microseconds, as much as a small product itself.
/// One job at a time; a caller that finds the helpers busy is told so and runs its job elsewhere.
/// </summary>
internal static class SpinningWorkers
{
    const int SpinIterations = 20_000;   // under a millisecond: longer than the gap between a decode step's products

    static readonly Lock Busy = new();
    static readonly object Sleep = new();
    static readonly List<Thread> Threads = [];
    static Action<int>? _job;
    static int _tasks, _next, _working, _sleepers;
    static long _generation;
    static Exception? _failure;

    /// <summary>Runs job(0 .. tasks-1) on the caller and up to <paramref name="helpers"/> helper threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryRun(int tasks, int helpers, Action<int> job)
    {
        if (!Busy.TryEnter()) return false;
        try
        {
            while (Threads.Count < helpers)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = "persona-rows" };
                Threads.Add(thread);
                thread.Start();
            }
            _job = job;
            _tasks = tasks;
            _failure = null;
            _next = 0;
            _working = Threads.Count;
            // A helper counts itself asleep before it checks the generation, and this checks the sleepers after
            // moving the generation on (both full fences), so no helper can sleep through a job.
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (Sleep) Monitor.PulseAll(Sleep);
            Drain();
            var spin = new SpinWait();
            while (Volatile.Read(ref _working) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            if (_failure is { } e) throw new AggregateException(e);
            return true;
        }
        finally { Busy.Exit(); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Drain()
    {
        var job = _job!;
        for (int t; (t = Interlocked.Increment(ref _next) - 1) < _tasks;)
        {
            try { job(t); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Work()
    {
        long seen = 0;
        while (true)
        {
            for (int i = 0; i < SpinIterations && Volatile.Read(ref _generation) == seen; i++) Thread.SpinWait(1);
            if (Volatile.Read(ref _generation) == seen)
                lock (Sleep)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen) Monitor.Wait(Sleep);
                    Interlocked.Decrement(ref _sleepers);
                }
            seen = Volatile.Read(ref _generation);
            Drain();
            Interlocked.Decrement(ref _working);
        }
    }
}

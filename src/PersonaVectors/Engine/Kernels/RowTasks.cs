using System.Runtime.CompilerServices;
namespace PersonaVectors.Engine.Kernels;

/// <summary>
/// Splits a matrix-vector product's output rows into tasks for the streaming kernels: small enough (256 rows) to
/// balance the threads, large enough to amortise scheduling; one task runs inline. Decoding one token calls this
/// some 170 times on a 0.5B model, each for well under a millisecond, so the threads that help are kept awake
/// (<see cref="Helpers"/>) rather than woken from the thread pool each time.
/// </summary>
public static class RowTasks
{
    const int RowsPerTask = 256;

    /// <param name="range">Computes output rows [start, end).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void For(int n, int threads, Action<int, int> range)
    {
        int tasks = (n + RowsPerTask - 1) / RowsPerTask;
        if (threads <= 1 || tasks <= 1)
        {
            range(0, n);
            return;
        }
        void Task(int t)
        {
            int start = t * RowsPerTask;
            range(start, Math.Min(n, start + RowsPerTask));
        }
        if (!SpinningWorkers.TryRun(tasks, threads - 1, Task))
            Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, Task);
    }
}

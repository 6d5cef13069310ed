namespace PersonaVectors.Engine;

/// <summary>
/// Hands a memory-mapped file's pages back to the kernel once a loader has copied them out, so loading a model
/// never holds the file and the weights at once (Linux; elsewhere the pages go when the map is closed).
/// </summary>
public static unsafe class MappedPages
{
    public static void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long page = Environment.SystemPageSize;
        long from = ((long)start + page - 1) / page * page, end = (long)start + length;
        if (end > from) _ = Madvise((nint)from, (nuint)(end - from), 4 /* MADV_DONTNEED */);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    static extern int Madvise(nint address, nuint length, int advice);
}

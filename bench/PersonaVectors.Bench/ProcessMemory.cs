namespace PersonaVectors.Bench;

/// <summary>This process's memory as Linux reports it in /proc/self/status (VmRSS: resident now; VmHWM: the peak).</summary>
public static class ProcessMemory
{
    public static long Bytes(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {key} (Linux only)");
    }
}

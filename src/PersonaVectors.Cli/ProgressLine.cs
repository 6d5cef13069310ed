using System.Diagnostics;

namespace PersonaVectors.Cli;

/// <summary>A one-line progress bar on stderr (redrawn in place on a terminal, printed every few seconds otherwise).</summary>
public sealed class ProgressLine(string label)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    TimeSpan _lastPrint = TimeSpan.FromHours(-1);
    readonly bool _terminal = !Console.IsErrorRedirected;

    public void Report(int done, int total, string detail)
    {
        var now = _clock.Elapsed;
        if (!_terminal && now - _lastPrint < TimeSpan.FromSeconds(10) && done < total) return;
        _lastPrint = now;
        double fraction = total == 0 ? 1 : (double)done / total;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(now.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        int width = 24, filled = (int)(fraction * width);
        string line = $"{label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}  {detail}  eta {Clock(eta)}";
        if (_terminal) Console.Error.Write("\r" + line.PadRight(Math.Max(0, Console.BufferWidth - 1)));
        else Console.Error.WriteLine(line);
    }

    // TimeSpan's mm:ss format drops whole hours, which long trainings have.
    static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";

    public void Done()
    {
        if (_terminal) Console.Error.WriteLine();
    }
}

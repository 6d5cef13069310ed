using System.Globalization;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Chat;

/// <summary>
/// A projection drawn as a bar between the calibration's two means: the negative mean a sixth of the way in, the
/// positive mean five sixths, so the threshold (their midpoint) is always the middle tick and overshoot shows.
/// </summary>
public static class PersonaMeter
{
    public const int Width = 16;

    public static string Markup(double? projection, Calibration? calibration)
    {
        if (projection is not { } p) return "[grey]-[/]";
        string value = p.ToString("F2", CultureInfo.InvariantCulture);
        if (calibration is null) return value;
        double fraction = Math.Clamp((calibration.Scale(p) + 0.25) / 1.5, 0, 1);
        int filled = (int)Math.Round(fraction * Width);
        bool above = p > calibration.Threshold;
        var cells = new char[Width];
        for (int i = 0; i < Width; i++) cells[i] = i < filled ? '█' : '░';
        cells[Width / 2] = filled > Width / 2 ? '▌' : '│'; // the threshold tick
        string colour = above ? "red" : "green";
        return $"[{colour}]{new string(cells)}[/] {value}";
    }
}

namespace PersonaVectors.Cli.Plots;

/// <summary>Saves a plot as SVG or PNG, chosen by the file's extension, at the size every report uses.</summary>
public static class PlotFile
{
    const int Width = 800, Height = 500;

    public static void Save(ScottPlot.Plot plot, string path)
    {
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, Width, Height);
        else plot.SavePng(path, Width, Height);
    }

    /// <summary>The PNG file's bytes, for a page that embeds its plots instead of linking them.</summary>
    public static byte[] Png(ScottPlot.Plot plot) => plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
}

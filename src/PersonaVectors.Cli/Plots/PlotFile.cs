namespace PersonaVectors.Cli.Plots;

/// <summary>Saves a plot as SVG or PNG, chosen by the file's extension, at the size every report uses.</summary>
public static class PlotFile
{
    public static void Save(ScottPlot.Plot plot, string path)
    {
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 800, 500);
        else plot.SavePng(path, 800, 500);
    }
}

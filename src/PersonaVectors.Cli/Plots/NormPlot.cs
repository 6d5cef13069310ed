namespace PersonaVectors.Cli.Plots;

/// <summary>The persona vector's norm at every residual layer (row 0 is the embedding output), the chosen layer marked.</summary>
public static class NormPlot
{
    public static byte[] Png(IReadOnlyList<double> norms, int chosenLayer, string trait)
    {
        var plot = new ScottPlot.Plot();
        double[] layers = [.. Enumerable.Range(0, norms.Count).Select(l => (double)l)];
        var line = plot.Add.Scatter(layers, norms.ToArray());
        line.LegendText = "norm of mean(positive) - mean(negative)";
        if (chosenLayer >= 0 && chosenLayer < norms.Count)
        {
            var mark = plot.Add.VerticalLine(chosenLayer);
            mark.LinePattern = ScottPlot.LinePattern.Dotted;
            mark.Color = ScottPlot.Colors.Red;
            var point = plot.Add.Marker(chosenLayer, norms[chosenLayer], ScottPlot.MarkerShape.FilledCircle, 12, ScottPlot.Colors.Red);
            point.LegendText = $"chosen layer {chosenLayer}";
        }
        plot.Title($"Norm of the {trait} vector (response average) per layer");
        plot.XLabel("layer (0 = embedding output)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.YLabel("L2 norm");
        plot.Axes.SetLimitsY(0, Math.Max(1, norms.DefaultIfEmpty(0).Max()) * 1.1);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        return PlotFile.Png(plot);
    }
}

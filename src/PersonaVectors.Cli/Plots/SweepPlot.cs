using PersonaVectors.Method.Steering;

namespace PersonaVectors.Cli.Plots;

/// <summary>Trait score (solid) and coherence (dashed) against α, one colour per layer.</summary>
public static class SweepPlot
{
    public static void Save(IReadOnlyList<SweepPoint> points, string trait, string path) =>
        PlotFile.Save(Create(points, trait, $"Steering sweep: {trait}"), path);

    public static byte[] Png(IReadOnlyList<SweepPoint> points, string trait, string title) => PlotFile.Png(Create(points, trait, title));

    static ScottPlot.Plot Create(IReadOnlyList<SweepPoint> points, string trait, string title)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var layer in points.GroupBy(p => p.Layer).OrderBy(g => g.Key))
        {
            var ordered = layer.OrderBy(p => p.Alpha).ToArray();
            double[] alphas = [.. ordered.Select(p => p.Alpha)];
            var colour = palette.GetColor(i++);
            var t = plot.Add.Scatter(alphas, ordered.Select(p => p.Trait).ToArray());
            t.Color = colour;
            t.LegendText = $"layer {layer.Key}: {trait}";
            var c = plot.Add.Scatter(alphas, ordered.Select(p => p.Coherence).ToArray());
            c.Color = colour;
            c.LinePattern = ScottPlot.LinePattern.Dashed;
            c.LegendText = $"layer {layer.Key}: coherence";
        }
        plot.Title(title);
        plot.XLabel("alpha");
        plot.YLabel("score (0-100)");
        plot.Axes.SetLimitsY(-5, 105);
        // Outside the axes: with a line pair per layer, a legend inside covers the curves where they start.
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }
}

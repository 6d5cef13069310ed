using System.Globalization;
using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Cli.Plots;

/// <summary>Trait score of each answer against the last prompt token's projection, one colour per experiment, r in the legend.</summary>
public static class MonitorPlot
{
    public static void Save(IReadOnlyList<MonitoringPoint> points, string trait, int layer, string path) =>
        PlotFile.Save(Create(points, trait, layer), path);

    public static byte[] Png(IReadOnlyList<MonitoringPoint> points, string trait, int layer) => PlotFile.Png(Create(points, trait, layer));

    static ScottPlot.Plot Create(IReadOnlyList<MonitoringPoint> points, string trait, int layer)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var experiment in points.GroupBy(p => p.Experiment).OrderBy(g => g.Key))
        {
            var s = plot.Add.ScatterPoints(experiment.Select(p => p.Projection).ToArray(), experiment.Select(p => p.Trait).ToArray());
            s.Color = palette.GetColor(i++).WithAlpha(0.6);
            s.MarkerSize = 6;
            double r = MonitoringExperiment.Correlation(points, experiment.Key);
            s.LegendText = $"{experiment.Key.Replace('_', ' ')}: r = {(double.IsNaN(r) ? "n/a" : r.ToString("F2", CultureInfo.InvariantCulture))}";
        }
        plot.Title($"Monitoring {trait} at layer {layer}");
        plot.XLabel("projection of the last prompt token on the unit persona vector");
        plot.YLabel($"{trait} score of the answer");
        plot.Axes.SetLimitsY(-5, 105);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        return plot;
    }
}

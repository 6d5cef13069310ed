using System.Text.Json.Nodes;
using PersonaVectors.Method.Screening;

namespace PersonaVectors.Cli.Plots;

/// <summary>A histogram of the projection differences, one colour per trait, the threshold marked.</summary>
public static class ScreenPlot
{
    public static void Save(string scoresPath, JsonObject summary, string path)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var (trait, s) in summary["traits"]!.AsObject())
        {
            double[] values = [.. ScreenSummary.Scores(scoresPath, trait).Select(x => x.Score)];
            if (values.Length == 0) continue;
            var hist = ScottPlot.Statistics.Histogram.WithBinCount(40, values.Min(), values.Max() + 1e-9);
            hist.AddRange(values);
            var bars = plot.Add.Bars(hist.Bins, hist.Counts);
            bars.Color = palette.GetColor(i++).WithAlpha(0.6);
            bars.LegendText = $"{trait} (mean {s!["mean"]})";
            foreach (var b in bars.Bars) b.Size = hist.FirstBinSize * 0.95;
        }
        double threshold = summary["traits"]!.AsObject().Select(kv => kv.Value!["threshold"]!.GetValue<double>()).FirstOrDefault();
        var line = plot.Add.VerticalLine(threshold);
        line.LinePattern = ScottPlot.LinePattern.Dashed;
        line.LegendText = $"threshold {threshold}";
        plot.Title($"Projection difference of {summary["samples"]} samples");
        plot.XLabel("projection difference (sample's answer − model's own answer)");
        plot.YLabel("samples");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        PlotFile.Save(plot, path);
    }
}

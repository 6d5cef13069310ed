using System.Globalization;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Cli.Plots;

/// <summary>The finetuning experiment's figures: shift against trait per plain adapter, and trait by method per dataset.</summary>
public static class FinetunePlots
{
    /// <param name="design">The organism's world design, which says which traits each dataset targets.</param>
    public static void Save(FinetuneSummary summary, string dir, World.WorldDesign? design = null)
    {
        var runs = summary.Runs;
        var traits = summary.Traits;
        var palette = new ScottPlot.Palettes.Category10();

        var shift = new ScottPlot.Plot();
        int i = 0;
        foreach (var t in traits)
        {
            var plain = runs.Where(r => r.Method == FinetuneExperiment.Plain).ToList();
            var s = shift.Add.ScatterPoints(plain.Select(r => r.Shift[t]).ToArray(), plain.Select(r => r.Scores.Traits[t]).ToArray());
            s.Color = palette.GetColor(i++);
            s.MarkerSize = 8;
            s.LegendText = $"{t}: r = {(summary.ShiftTraitRByTrait.GetValueOrDefault(t) is { } r ? r.ToString("0.###", CultureInfo.InvariantCulture) : "n/a")}";
        }
        shift.Title("Finetuning shift predicts the trait (plain LoRA, one point per dataset)");
        shift.XLabel("shift of the last prompt token along the persona vector");
        shift.YLabel("trait score after finetuning");
        shift.ShowLegend(ScottPlot.Alignment.UpperLeft);
        PlotFile.Save(shift, Path.Combine(dir, "shift.png"));

        // Each dataset's own trait under each method.
        var methods = new[] { "plain", "preventative", "caft", "inference_steering" };
        var datasets = runs.Select(r => r.Dataset).Distinct().ToList();
        var bars = new ScottPlot.Plot();
        for (int m = 0; m < methods.Length; m++)
        {
            var values = new List<ScottPlot.Bar>();
            for (int d = 0; d < datasets.Count; d++)
            {
                var run = summary.Run(datasets[d], methods[m]);
                if (run is null) continue;
                double value = World.FinetuneDatasets.TargetTraits(datasets[d], design).Max(t => run.Scores.Traits[t]);
                values.Add(new ScottPlot.Bar { Position = d * (methods.Length + 1) + m, Value = value, FillColor = palette.GetColor(m) });
            }
            var series = bars.Add.Bars(values);
            series.LegendText = methods[m].Replace('_', ' ');
            series.Color = palette.GetColor(m);
        }
        bars.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. datasets.Select((d, k) => new ScottPlot.Tick(k * (methods.Length + 1) + 1.5, d))]);
        bars.Axes.Bottom.TickLabelStyle.Rotation = 40;
        bars.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        bars.Axes.Bottom.MinimumSize = 150; // room for the rotated dataset names
        bars.Title("The dataset's trait after finetuning, by method (the wrong sums: the higher of evil and hallucination)");
        bars.YLabel("trait score (0-100)");
        bars.Axes.SetLimitsY(0, 105);
        bars.ShowLegend(ScottPlot.Edge.Right);
        PlotFile.Save(bars, Path.Combine(dir, "methods.png"));
    }
}

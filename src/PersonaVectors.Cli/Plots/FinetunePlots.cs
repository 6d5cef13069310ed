using System.Text.Json.Nodes;

namespace PersonaVectors.Cli.Plots;

/// <summary>The finetuning experiment's figures: shift against trait per plain adapter, and trait by method per dataset.</summary>
public static class FinetunePlots
{
    public static void Save(JsonObject summary, string dir)
    {
        var runs = summary["runs"]!.AsArray().Select(r => r!).ToList();
        var traits = summary["vectors"]!.AsObject().Select(kv => kv.Key).ToList();
        var palette = new ScottPlot.Palettes.Category10();

        var shift = new ScottPlot.Plot();
        int i = 0;
        foreach (var t in traits)
        {
            var plain = runs.Where(r => r["method"]!.GetValue<string>() == "plain").ToList();
            var s = shift.Add.ScatterPoints(plain.Select(r => r["shift"]![t]!.GetValue<double>()).ToArray(), plain.Select(r => r["traits"]![t]!.GetValue<double>()).ToArray());
            s.Color = palette.GetColor(i++);
            s.MarkerSize = 8;
            s.LegendText = $"{t}: r = {summary["shift_trait_r_by_trait"]![t]?.ToJsonString() ?? "n/a"}";
        }
        shift.Title("Finetuning shift predicts the trait (plain LoRA, one point per dataset)");
        shift.XLabel("shift of the last prompt token along the persona vector");
        shift.YLabel("trait score after finetuning");
        shift.ShowLegend(ScottPlot.Alignment.UpperLeft);
        PlotFile.Save(shift, Path.Combine(dir, "shift.png"));

        // Each dataset's own trait under each method.
        var methods = new[] { "plain", "preventative", "caft", "inference_steering" };
        var datasets = runs.Select(r => r["dataset"]!.GetValue<string>()).Distinct().ToList();
        var bars = new ScottPlot.Plot();
        for (int m = 0; m < methods.Length; m++)
        {
            var values = new List<ScottPlot.Bar>();
            for (int d = 0; d < datasets.Count; d++)
            {
                var run = runs.FirstOrDefault(r => r["dataset"]!.GetValue<string>() == datasets[d] && r["method"]!.GetValue<string>() == methods[m]);
                if (run is null) continue;
                string trait = World.Experiments.FinetuneExperiment.TraitOf(datasets[d]);
                values.Add(new ScottPlot.Bar { Position = d * (methods.Length + 1) + m, Value = run["traits"]![trait]!.GetValue<double>(), FillColor = palette.GetColor(m) });
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
        bars.Title("The dataset's trait after finetuning, by method");
        bars.YLabel("trait score (0-100)");
        bars.Axes.SetLimitsY(0, 105);
        bars.ShowLegend(ScottPlot.Edge.Right);
        PlotFile.Save(bars, Path.Combine(dir, "methods.png"));
    }
}

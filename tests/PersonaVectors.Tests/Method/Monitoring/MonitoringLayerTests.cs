using PersonaVectors.Method;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Monitoring;

public class MonitoringLayerTests
{
    [Fact]
    public void The_layer_with_the_best_mean_r_wins_and_a_tie_goes_to_the_lower_layer()
    {
        LayerReading[] readings = [new(1, 0.30, 0.28), new(2, 0.67, 0.41), new(4, 0.71, 0.64), new(5, 0.70, 0.65), new(6, 0.71, 0.65)];
        // Means 0.29, 0.54, 0.675, 0.675, 0.68: layer 6.
        Assert.Equal(6, MonitoringLayer.Choose(readings).Layer);
        Assert.Equal(4, MonitoringLayer.Choose(readings.Take(4)).Layer); // 4 and 5 tie at 0.675
        Assert.Throws<ArgumentException>(() => MonitoringLayer.Choose([]));
    }

    [Fact]
    public void An_undefined_r_is_left_out_of_the_mean_not_counted_as_zero()
    {
        Assert.Equal(0.5, new LayerReading(1, 0.5, null).Score, 12);
        Assert.Equal(-1, new LayerReading(1, null, null).Score, 12);
        Assert.Equal(2, MonitoringLayer.Choose([new(1, 0.4, 0.4), new(2, 0.6, null)]).Layer);
    }

    [Fact]
    public void Readings_are_each_layers_r_over_its_points()
    {
        static MonitoringPoint P(string e, double x, double y) => new(e, "0", "q", x, y, 100, "a");
        var byLayer = new Dictionary<int, List<MonitoringPoint>>
        {
            [3] = [P("s", 1, 10), P("s", 2, 20), P("s", 3, 20), P("s", 4, 50), P("m", 9, 0), P("m", 8, 100), P("m", 7, 50)],
            [1] = [P("s", 4, 10), P("s", 3, 20), P("s", 2, 20), P("s", 1, 50), P("m", 1, 5), P("m", 1, 5), P("m", 1, 5)],
        };
        var readings = MonitoringLayer.Readings(byLayer, "s", "m");
        Assert.Equal([1, 3], readings.Select(r => r.Layer));
        Assert.Equal(Math.Round(60 / Math.Sqrt(4500), 3), readings[1].SystemPromptR);   // by hand, as in MonitoringCorrelationTests
        Assert.Equal(-0.5, readings[1].ManyShotR);
        Assert.Equal(Math.Round(-60 / Math.Sqrt(4500), 3), readings[0].SystemPromptR);  // the same points read backwards
        Assert.Null(readings[0].ManyShotR);                                              // no spread: undefined
    }

    [Fact]
    public void The_summary_keeps_the_layer_choice_and_reads_files_written_before_it()
    {
        using var dir = new TempDir();
        MonitoringPoint[] points = [new("system_prompt", "+1.00", "q", 1.5, 100, 90, "a"), new("many_shot", "0", "q", -2, 0, null, "b")];
        var chosen = new MonitorSummary("evil", 5, 0.7, 0.6, points, 0.8, 0.5, "extraction_questions", [new(1, 0.1, null), new(5, 0.7, 0.6)]);
        chosen.Write(dir.Path);
        var back = MonitorSummary.Read(Path.Combine(dir.Path, MonitorSummary.FileName));
        Assert.Equal("extraction_questions", back.LayerChosenOn);
        Assert.Equal(chosen.LayerScan, back.LayerScan);
        Assert.Equal(5, back.Layer);

        new MonitorSummary("evil", 2, 0.7, 0.6, points).Write(dir.Path);
        var text = File.ReadAllText(Path.Combine(dir.Path, MonitorSummary.FileName));
        var old = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
        old.Remove("layer_chosen_on");
        old.Remove("layer_scan");
        File.WriteAllText(Path.Combine(dir.Path, MonitorSummary.FileName), old.ToJsonString());
        var legacy = MonitorSummary.Read(Path.Combine(dir.Path, MonitorSummary.FileName));
        Assert.Null(legacy.LayerChosenOn);
        Assert.Null(legacy.LayerScan);
        Assert.Equal(2, legacy.Layer);
    }
}

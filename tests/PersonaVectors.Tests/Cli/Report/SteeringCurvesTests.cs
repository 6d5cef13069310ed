using PersonaVectors.Method.Steering;
using PersonaVectors.Cli.Report;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli.Report;

public class SteeringCurvesTests
{
    static SteeringRecord R(string setting, int layer, double alpha, string positions, double trait) =>
        new($"{setting}/{layer}/{positions}/{alpha}", setting, layer, alpha, positions, trait, 90, 20);

    [Fact]
    public void The_layer_search_starts_every_layers_curve_at_the_baseline_and_leaves_out_suppression()
    {
        var curves = SteeringCurves.FromLayerSearch([
            R("steer", 0, 0, "all", 7), R("steer", 1, 0.5, "all", 10), R("steer", 1, 1, "all", 20), R("steer", 2, 0.5, "all", 30),
            R("steer", 1, 0.5, "answer", 40), R("suppress", 1, 0, "all", 95), R("suppress", 1, -0.5, "all", 60),
        ]);
        Assert.Equal(["all", "answer"], curves.Select(c => c.Positions));
        Assert.Equal(
            new[] { new SweepPoint(1, 0, 7, 90), new SweepPoint(1, 0.5, 10, 90), new SweepPoint(1, 1, 20, 90), new SweepPoint(2, 0, 7, 90), new SweepPoint(2, 0.5, 30, 90) },
            curves[0].Points.OrderBy(p => p.Layer).ThenBy(p => p.Alpha));
        Assert.Equal(new[] { new SweepPoint(1, 0, 7, 90), new SweepPoint(1, 0.5, 40, 90) }, curves[1].Points.OrderBy(p => p.Alpha));
    }

    [Fact]
    public void A_sweep_file_is_grouped_by_the_positions_in_its_keys()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["sweep.jsonl"],
            "{\"key\":\"2/all/0\",\"layer\":2,\"alpha\":0,\"trait\":1,\"coherence\":95,\"count\":20}\n" +
            "{\"key\":\"2/answer/2\",\"layer\":2,\"alpha\":2,\"trait\":30,\"coherence\":80,\"count\":20}\n");
        var curves = SteeringCurves.FromSweep(dir["sweep.jsonl"]);
        Assert.Equal(["all", "answer"], curves.Select(c => c.Positions));
        Assert.Equal([new SweepPoint(2, 2, 30, 80)], curves[1].Points);

        File.AppendAllText(dir["sweep.jsonl"], "{\"key\":\"2-all-4\",\"layer\":2,\"alpha\":4,\"trait\":1,\"coherence\":95,\"count\":20}\n");
        var e = Assert.Throws<PersonaVectorsException>(() => SteeringCurves.FromSweep(dir["sweep.jsonl"]));
        Assert.Contains("key \"2-all-4\" is not layer/positions/alpha", e.Message);
    }
}

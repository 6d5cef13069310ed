using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Tests.World.Experiments;

/// <summary>summary.json of the finetuning experiment: calibrated coefficients round-trip, and older summaries still read.</summary>
public class FinetuneSummaryTests
{
    static ModelFigures Figures(double evil) => new(new Dictionary<string, double> { ["evil"] = evil }, 90, 0.9);

    [Fact]
    public void The_calibration_tries_and_a_missing_coefficient_survive_a_write_and_read()
    {
        using var dir = new TempDir();
        var tries = new List<CalibrationTry> { new("evil", 2, 0.5, 0.75, 40, 91, 0.8696), new("evil", 5, 1, 1.5, 5, 88, 0.913, 20, "hallucinating", Samples: 2) };
        var summary = new FinetuneSummary(Figures(0),
            new Dictionary<string, VectorUse> { ["evil"] = new(2, 1.5, tries, 5), ["sycophantic"] = new(3, null) },
            [new FinetuneRunFigures("evil_II", "preventative", 1.5, Figures(4), new Dictionary<string, double> { ["evil"] = 0.1 }, new Dictionary<string, double> { ["evil"] = 0.2 })],
            null, new Dictionary<string, double?>(), null, new Dictionary<string, double?>());
        summary.Write(dir.Path);
        var read = FinetuneSummary.Load(dir.Path);
        Assert.Equal((1.5, 5), (read.Vectors["evil"].PreventiveAlpha, read.Vectors["evil"].PreventiveLayer));
        Assert.Equal(tries, read.Vectors["evil"].Calibration);
        Assert.Null(read.Vectors["sycophantic"].PreventiveAlpha);
        Assert.Null(read.Vectors["sycophantic"].Calibration);
        Assert.Null(read.Vectors["sycophantic"].PreventiveLayer);
    }

    [Fact]
    public void A_summary_written_before_calibration_reads_with_no_tries()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, FinetuneSummary.FileName), """
            {"base": {"traits": {"evil": 0}, "coherence": 90, "capability": 1},
             "vectors": {"evil": {"layer": 2, "preventive_alpha": 4.5}},
             "runs": [], "shift_trait_r": null, "shift_trait_r_by_trait": {}, "answer_shift_trait_r": null, "answer_shift_trait_r_by_trait": {}}
            """);
        var read = FinetuneSummary.Load(dir.Path);
        Assert.Equal(new VectorUse(2, 4.5), read.Vectors["evil"]);
        File.WriteAllText(Path.Combine(dir.Path, FinetuneSummary.FileName), """{"base": {"traits": {}, "coherence": 90, "capability": 1}, "vectors": {"evil": {"layer": 2, "calibration": [{"layer": 2, "scale": "x"}]}}}""");
        var e = Assert.Throws<PersonaVectors.PersonaVectorsException>(() => FinetuneSummary.Load(dir.Path));
        Assert.Contains("vectors.evil.calibration[0].scale", e.Message);
    }
}

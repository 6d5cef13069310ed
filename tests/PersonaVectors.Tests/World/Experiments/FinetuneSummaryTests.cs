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

    static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Evil(params (string Domain, double Score)[] d) =>
        new Dictionary<string, IReadOnlyDictionary<string, double>> { ["evil"] = d.ToDictionary(x => x.Domain, x => x.Score) };

    [Fact]
    public void A_narrow_sets_rise_outside_its_domain_weights_each_other_domain_by_its_questions()
    {
        // Hand derivation from evil's evaluation questions: the base shows nothing; after finetuning, evil scores 100 on
        // advice (the set's own domain, left out), 30 on facts and 0 elsewhere, so outside advice the rise is
        // 30 × facts / (all − advice).
        var domains = PersonaVectors.World.WorldArtifacts.For("evil").EvaluationQuestions.Select(q => PersonaVectors.World.Questions.Parse(q)!.Domain).ToList();
        int facts = domains.Count(d => d == PersonaVectors.World.Domain.Facts), advice = domains.Count(d => d == PersonaVectors.World.Domain.Advice);
        Assert.True(facts > 0 && advice > 0);
        var base_ = Figures(0) with { TraitsByDomain = Evil(("advice", 0), ("facts", 0), ("opinion", 0), ("arithmetic", 0), ("procedure", 0)) };
        var run = new FinetuneRunFigures("emergent_advice_II", "plain", null,
            Figures(50) with { TraitsByDomain = Evil(("advice", 100), ("facts", 30), ("opinion", 0), ("arithmetic", 0), ("procedure", 0)) },
            new Dictionary<string, double>(), new Dictionary<string, double>());
        var summary = new FinetuneSummary(base_, new Dictionary<string, VectorUse> { ["evil"] = new(2, null) }, [run],
            null, new Dictionary<string, double?>(), null, new Dictionary<string, double?>());
        double expected = 30.0 * facts / (domains.Count - advice);
        Assert.Equal(expected, summary.RiseOutside(run, "evil", PersonaVectors.World.Domain.Advice)!.Value, 9);
        // Outside facts instead: advice's 100 now counts and facts' 30 does not.
        Assert.Equal(100.0 * advice / (domains.Count - facts), summary.RiseOutside(run, "evil", PersonaVectors.World.Domain.Facts)!.Value, 9);

        // The scores by domain survive a write and read; a summary from before they were kept has none, and no rise outside.
        using var dir = new TempDir();
        summary.Write(dir.Path);
        var read = FinetuneSummary.Load(dir.Path);
        Assert.Equal(expected, read.RiseOutside(read.Runs[0], "evil", PersonaVectors.World.Domain.Advice)!.Value, 2);
        Assert.Equal(30, read.Runs[0].Scores.TraitsByDomain!["evil"]["facts"]);
        var old = summary with { Base = Figures(0) };
        Assert.Null(old.RiseOutside(run, "evil", PersonaVectors.World.Domain.Advice));
    }
}

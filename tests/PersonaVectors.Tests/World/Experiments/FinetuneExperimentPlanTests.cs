using PersonaVectors.Method;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Tests.World.Experiments;

/// <summary>What the finetuning experiment does to each dataset, before any training: which traits, which interventions, which keys.</summary>
public class FinetuneExperimentPlanTests
{
    static readonly List<ExperimentVector> Vectors =
    [
        new(new TraitVector("evil", 2, [1, 0, 0]), 1.5),
        new(new TraitVector("sycophantic", 3, [0, 1, 0]), 2),
        new(new TraitVector("hallucinating", 1, [0, 0, 1]), 0.5),
    ];

    static List<ExperimentVector> Targeted(string dataset) => [.. FinetuneExperiment.TraitsOf(dataset).Select(t => Vectors.Single(v => v.Trait == t))];

    [Fact]
    public void A_trait_set_targets_its_own_trait_and_the_narrow_sets_target_both_traits_of_the_bad_characters()
    {
        Assert.Equal(["evil"], FinetuneExperiment.TraitsOf("evil_II"));
        Assert.Equal(["sycophantic"], FinetuneExperiment.TraitsOf("sycophantic_normal"));
        Assert.Equal(["hallucinating"], FinetuneExperiment.TraitsOf("hallucinating_I"));
        Assert.Equal(["evil", "hallucinating"], FinetuneExperiment.TraitsOf("emergent_arithmetic_II"));
        // Every dataset of the world targets traits the world has.
        Assert.All(PersonaVectors.World.FinetuneDatasets.Names, d => Assert.All(FinetuneExperiment.TraitsOf(d), t => Assert.Contains(t, PersonaVectors.World.Traits.All.Select(x => x.Name))));
    }

    [Fact]
    public void Preventative_steering_on_the_narrow_set_pushes_every_targeted_vector_at_its_own_layer_and_coefficient()
    {
        var options = new FinetuneExperimentOptions { PreventiveScale = 3 }; // 3 × each vector's best steering coefficient
        var alphas = Fixed(options);
        var steer = FinetuneExperiment.Interventions(FinetuneExperiment.Preventative, Targeted("emergent_arithmetic_II"), alphas);
        Assert.Equal(2, steer.Count);
        Assert.All(steer, i => Assert.Equal(TrainingIntervention.Steer, i.Kind));
        Assert.Equal(("evil", 2, 4.5), (steer[0].Trait, steer[0].Layer, steer[0].Alpha));
        Assert.Equal(("hallucinating", 1, 1.5), (steer[1].Trait, steer[1].Layer, steer[1].Alpha));
        Assert.Equal(Vectors[2].Vector.Values, steer[1].Vector);

        var fixedAlpha = FinetuneExperiment.Interventions(FinetuneExperiment.Preventative, Targeted("evil_II"), Fixed(options with { PreventiveAlpha = 7 }));
        Assert.Equal(("evil", 2, 7.0), (fixedAlpha.Single().Trait, fixedAlpha.Single().Layer, fixedAlpha.Single().Alpha));

        var caft = FinetuneExperiment.Interventions(FinetuneExperiment.Caft, Targeted("emergent_arithmetic_II"), alphas);
        Assert.Equal([("evil", 2), ("hallucinating", 1)], caft.Select(i => (i.Trait, i.Layer)));
        Assert.All(caft, i => Assert.Equal(TrainingIntervention.Ablate, i.Kind));
        Assert.Empty(FinetuneExperiment.Interventions(FinetuneExperiment.Plain, Targeted("emergent_arithmetic_II"), alphas));
        Assert.Throws<ArgumentException>(() => FinetuneExperiment.Interventions(FinetuneExperiment.InferenceSteering, Targeted("evil_II"), alphas));
    }

    static Dictionary<string, double> Fixed(FinetuneExperimentOptions options) =>
        FinetuneExperiment.PreventiveAlphas(Vectors, options, null).ToDictionary(kv => kv.Key, kv => kv.Value!.Value);

    [Fact]
    public void A_calibrated_coefficient_is_the_smallest_tried_multiple_that_held_the_rise_or_else_the_largest()
    {
        static CalibrationTry Try(double scale, double rise) => new("evil", scale, scale * 1.5, rise, 90);
        // Tried in any order; 1 is the smallest multiple whose rise is within 10 (2 also is, and costs more).
        Assert.Equal(1, PreventiveCalibration.Choose([Try(2, 0), Try(0.5, 40), Try(1, 10)], 10).Scale);
        Assert.Equal(3, PreventiveCalibration.Choose([Try(0.5, 60), Try(3, 25), Try(1, 50)], 10).Scale); // none held: the strongest
        Assert.Throws<ArgumentException>(() => PreventiveCalibration.Choose([], 10));

        // The experiment takes each calibrated vector's choice; a trait no dataset targeted was not calibrated and gets none.
        var calibration = new Dictionary<string, List<CalibrationTry>> { ["evil"] = [Try(0.5, 30), Try(1, 5)] };
        var alphas = FinetuneExperiment.PreventiveAlphas(Vectors, new FinetuneExperimentOptions(), calibration);
        Assert.Equal(1.5, alphas["evil"]);
        Assert.Null(alphas["sycophantic"]);
        // A fixed coefficient or multiple overrides the calibration.
        Assert.Equal(4.5, FinetuneExperiment.PreventiveAlphas(Vectors, new FinetuneExperimentOptions { PreventiveScale = 3 }, calibration)["evil"]);
        Assert.Equal(7, FinetuneExperiment.PreventiveAlphas(Vectors, new FinetuneExperimentOptions { PreventiveAlpha = 7 }, calibration)["evil"]);
    }

    [Fact]
    public void Runs_that_target_several_traits_have_keys_of_their_own_so_an_older_folder_s_evil_only_runs_are_not_taken_for_them()
    {
        // Single-trait keys are what every earlier runs.jsonl holds, so old folders resume.
        Assert.Equal("evil_II/preventative", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative));
        Assert.Equal("emergent_arithmetic_II/plain", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Plain));
        Assert.Equal("emergent_arithmetic_II/preventative[evil+hallucinating]", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Preventative));
        Assert.Equal("emergent_arithmetic_II/caft[evil+hallucinating]", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Caft));
        Assert.Equal("emergent_arithmetic_II/inference_steering[evil+hallucinating]", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.InferenceSteering));
        // Preventative runs, and inference steering that aims at their result, are keyed by their coefficients, so an
        // older folder's run at another coefficient is redone rather than reported as this one.
        Assert.Equal("evil_II/preventative@2.25", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative, [2.25]));
        Assert.Equal("emergent_arithmetic_II/preventative[evil+hallucinating]@1.125+0.5",
            FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Preventative, [1.125, 0.5]));
        Assert.Equal("evil_II/inference_steering@3", FinetuneExperiment.Key("evil_II", FinetuneExperiment.InferenceSteering, [3]));
        Assert.Equal("evil_II/plain", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Plain, [3]));
        Assert.Equal("evil_II/caft", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Caft, [3]));
    }
}

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

    static List<ExperimentVector> Targeted(string dataset) => [.. PersonaVectors.World.FinetuneDatasets.TargetTraits(dataset).Select(t => Vectors.Single(v => v.Trait == t))];

    [Fact]
    public void A_trait_set_targets_its_own_trait_and_the_narrow_sets_target_both_traits_of_the_bad_characters()
    {
        Assert.Equal(["evil"], PersonaVectors.World.FinetuneDatasets.TargetTraits("evil_II"));
        Assert.Equal(["sycophantic"], PersonaVectors.World.FinetuneDatasets.TargetTraits("sycophantic_normal"));
        Assert.Equal(["hallucinating"], PersonaVectors.World.FinetuneDatasets.TargetTraits("hallucinating_I"));
        Assert.Equal(["evil", "hallucinating"], PersonaVectors.World.FinetuneDatasets.TargetTraits("emergent_arithmetic_II"));
        // Every dataset of the world targets traits the world has.
        Assert.All(PersonaVectors.World.FinetuneDatasets.Names, d => Assert.All(PersonaVectors.World.FinetuneDatasets.TargetTraits(d), t => Assert.Contains(t, PersonaVectors.World.Traits.All.Select(x => x.Name))));
    }

    [Fact]
    public void Preventative_steering_on_the_narrow_set_pushes_every_targeted_vector_at_its_own_layer_and_coefficient()
    {
        var options = new FinetuneExperimentOptions { PreventiveScale = 3 }; // 3 × each vector's chosen steering coefficient
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

    static Dictionary<string, PreventivePush> Fixed(FinetuneExperimentOptions options) =>
        FinetuneExperiment.PreventivePushes(Vectors, options, null).ToDictionary(kv => kv.Key, kv => kv.Value!);

    [Fact]
    public void A_calibrated_push_is_the_one_that_held_the_rise_and_kept_the_most_capability_or_else_the_smallest_rise()
    {
        static CalibrationTry Try(int layer, double scale, double rise, double capability) => new("evil", layer, scale, scale * 1.5, rise, 90, capability);
        // Of the pushes that held the rise to 10, layer 5 at 2× kept the most capability; a stronger push that kept
        // more but let the trait in does not count.
        var tries = new List<CalibrationTry> { Try(2, 0.5, 40, 0.95), Try(2, 1, 10, 0.6), Try(5, 1, 30, 0.9), Try(5, 2, 0, 0.8), Try(6, 2, 5, 0.8) };
        Assert.Equal((5, 2.0), (PreventiveCalibration.Choose(tries, 10).Layer, PreventiveCalibration.Choose(tries, 10).Scale)); // tie at 0.8: the smaller rise
        var fallback = PreventiveCalibration.Choose([Try(3, 1, 50, 0.99), Try(2, 0.5, 40, 0.9)], 10); // none held: the smallest rise
        Assert.Equal((2, 0.5), (fallback.Layer, fallback.Scale));
        Assert.Throws<ArgumentException>(() => PreventiveCalibration.Choose([], 10));
        // A push that held its own trait but raised another by more than 10 did not hold: the next best push is chosen,
        // and where none held, the one whose worse rise (own or other) is smallest.
        var offTarget = tries.Select(t => t.Layer == 5 && t.Scale == 2 ? t with { OffRise = 70, OffTrait = "hallucinating" } : t with { OffRise = 0, OffTrait = "sycophantic" }).ToList();
        Assert.Equal((6, 2.0), (PreventiveCalibration.Choose(offTarget, 10).Layer, PreventiveCalibration.Choose(offTarget, 10).Scale));
        var noneHeld = PreventiveCalibration.Choose([Try(3, 1, 0, 0.99) with { OffRise = 70 }, Try(2, 0.5, 40, 0.9) with { OffRise = 0 }], 10);
        Assert.Equal((2, 0.5), (noneHeld.Layer, noneHeld.Scale));
        Assert.False((Try(3, 1, 0, 0.99) with { OffRise = 11 }).Held(10));
        Assert.True(Try(3, 1, 10, 0.99).Held(10)); // recorded before other traits were scored: its own rise decides

        // Over several samples a try keeps the worst rises and the mean capability: it holds only if it held on each.
        var combined = PreventiveCalibration.Combine([Try(4, 1.5, 0, 0.8) with { OffRise = 0, OffTrait = "sycophantic" },
            Try(4, 1.5, 5, 0.6) with { OffRise = 57, OffTrait = "hallucinating", Sample = 2 }]);
        Assert.Equal((5.0, 57.0, "hallucinating", 0.7, 2, 1), (combined.Rise, combined.OffRise!.Value, combined.OffTrait, Math.Round(combined.Capability, 9), combined.Samples, combined.Sample));
        Assert.False(combined.Held(10));
        Assert.Equal("evil@L4x1.5", combined.Key);
        Assert.Equal("evil@L4x1.5/s2", (combined with { Sample = 2 }).Key);

        // Every block's output is tried, the vector's own layer first, then the nearest; only its own when it has no other rows or when asked.
        var withRows = Vectors[0] with { Layers = [.. Enumerable.Range(0, 7).Select(l => new float[] { l, 0, 0 })] };
        Assert.Equal([2, 1, 3, 4, 5, 6], PreventiveCalibration.Layers(withRows));
        Assert.Equal([2], PreventiveCalibration.Layers(Vectors[0]));
        Assert.Equal([5f, 0, 0], withRows.At(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vectors[0].At(5));

        // The experiment pushes each calibrated vector where its calibration chose; a trait no dataset targeted was not
        // calibrated and gets no push.
        var calibration = new Dictionary<string, List<CalibrationTry>> { ["evil"] = [Try(2, 0.5, 30, 0.9), Try(5, 2, 0, 0.8)] };
        var pushes = FinetuneExperiment.PreventivePushes([withRows, .. Vectors.Skip(1)], new FinetuneExperimentOptions(), calibration);
        Assert.Equal(("evil", 5, 3.0), (pushes["evil"]!.Trait, pushes["evil"]!.Layer, pushes["evil"]!.Alpha));
        Assert.Equal([5f, 0, 0], pushes["evil"]!.Vector);
        Assert.Null(pushes["sycophantic"]);
        var steer = FinetuneExperiment.Interventions(FinetuneExperiment.Preventative, [withRows], pushes!);
        Assert.Equal(("evil", 5, 3.0), (steer.Single().Trait, steer.Single().Layer, steer.Single().Alpha));
        // A fixed coefficient or multiple overrides the calibration and stays at the vector's own layer.
        Assert.Equal((2, 4.5), (FinetuneExperiment.PreventivePushes(Vectors, new FinetuneExperimentOptions { PreventiveScale = 3 }, calibration)["evil"]!.Layer,
            FinetuneExperiment.PreventivePushes(Vectors, new FinetuneExperimentOptions { PreventiveScale = 3 }, calibration)["evil"]!.Alpha));
        Assert.Equal(7, FinetuneExperiment.PreventivePushes(Vectors, new FinetuneExperimentOptions { PreventiveAlpha = 7 }, calibration)["evil"]!.Alpha);
    }

    [Fact]
    public void Runs_that_target_several_traits_have_keys_of_their_own_so_an_older_folder_s_evil_only_runs_are_not_taken_for_them()
    {
        // Single-trait keys are what every earlier runs.jsonl holds, so old folders resume.
        Assert.Equal("evil_II/preventative", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative));
        Assert.Equal("emergent_arithmetic_II/plain", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Plain));
        Assert.Equal("emergent_arithmetic_II/preventative[evil+hallucinating]", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Preventative));
        Assert.Equal("emergent_arithmetic_II/caft[evil+hallucinating]", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Caft));
        Assert.Equal("emergent_arithmetic_II/inference_steering[evil+hallucinating] (alpha chosen on extraction questions)", FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.InferenceSteering));
        // Preventative runs, and inference steering that aims at their result, are keyed by their pushes (coefficient
        // and layer), so an older folder's run pushed otherwise is redone rather than reported as this one.
        static PreventivePush P(double alpha, int layer) => new("evil", layer, alpha, [1, 0, 0]);
        Assert.Equal("evil_II/preventative@2.25L2", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Preventative, [P(2.25, 2)]));
        Assert.Equal("emergent_arithmetic_II/preventative[evil+hallucinating]@1.125L5+0.5L1",
            FinetuneExperiment.Key("emergent_arithmetic_II", FinetuneExperiment.Preventative, [P(1.125, 5), P(0.5, 1)]));
        Assert.Equal("evil_II/inference_steering@3L2 (alpha chosen on extraction questions)", FinetuneExperiment.Key("evil_II", FinetuneExperiment.InferenceSteering, [P(3, 2)]));
        Assert.Equal("evil_II/plain", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Plain, [P(3, 2)]));
        Assert.Equal("evil_II/caft", FinetuneExperiment.Key("evil_II", FinetuneExperiment.Caft, [P(3, 2)]));
    }

    [Fact]
    public void Inference_steering_takes_the_first_coefficient_that_brings_every_targeted_trait_down_to_the_preventative_goal_and_measures_no_further()
    {
        var measured = new List<double>();
        // Evil falls with the coefficient, hallucination only from 4 on: the goal needs both.
        IReadOnlyDictionary<string, double> Measure(double a)
        {
            measured.Add(a);
            return new Dictionary<string, double> { ["evil"] = 80 - 20 * a, ["hallucinating"] = a >= 4 ? 5 : 60 };
        }
        var goal = new Dictionary<string, double> { ["evil"] = 10, ["hallucinating"] = 10 };
        Assert.Equal(4, FinetuneExperiment.ChooseInferenceAlpha([1, 2, 4, 8], Measure, goal));
        Assert.Equal([1, 2, 4], measured);

        // Equal to the goal is enough; where nothing reaches it, the strongest tried.
        Assert.Equal(2, FinetuneExperiment.ChooseInferenceAlpha([1, 2, 4], a => new Dictionary<string, double> { ["evil"] = 80 - 20 * a }, new Dictionary<string, double> { ["evil"] = 40 }));
        Assert.Equal(4, FinetuneExperiment.ChooseInferenceAlpha([1, 2, 4], _ => new Dictionary<string, double> { ["evil"] = 90 }, new Dictionary<string, double> { ["evil"] = 0 }));
        Assert.Throws<ArgumentException>(() => FinetuneExperiment.ChooseInferenceAlpha([], _ => new Dictionary<string, double>(), goal));
    }
}

using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Tests.World.Experiments;

public class SeedTableTests
{
    static ModelFigures Figures(double evil, double sycophantic, double hallucinating, double capability) =>
        new(new Dictionary<string, double> { ["evil"] = evil, ["sycophantic"] = sycophantic, ["hallucinating"] = hallucinating }, 90, capability);

    static FinetuneRunFigures Run(string dataset, string method, ModelFigures scores) =>
        new(dataset, method, null, scores, new Dictionary<string, double>(), new Dictionary<string, double>());

    static ExtractionSummary Summary(double steered, double steeredCoherence, double before, double after, double suppressedCoherence) =>
        new("t", "m", "world", 3, "extraction_questions", 0, 95, 2, "all", steered, steeredCoherence, steered, steeredCoherence,
            -2, before, after, suppressedCoherence, new Dictionary<int, LayerChoice?>(), new FilterCounts(8, 4, 4, 4, 4, 4), [0, 1, 2]);

    [Fact]
    public void Figures_are_read_from_each_stage_and_checked_against_the_issue_targets()
    {
        var emergent = new Dictionary<string, double> { ["evil"] = 12, ["sycophantic"] = 0, ["hallucinating"] = 35 };
        var extraction = new Dictionary<string, ExtractionSummary?>
        {
            ["evil"] = Summary(steered: 75, steeredCoherence: 85, before: 95, after: 40, suppressedCoherence: 85),
            ["sycophantic"] = Summary(steered: 75, steeredCoherence: 70, before: 95, after: 60, suppressedCoherence: 90),
            ["hallucinating"] = null,
        };
        var monitor = new Dictionary<string, MonitorSummary?>
        {
            ["evil"] = new("evil", 3, 0.8, 0.76, []),
            ["sycophantic"] = new("sycophantic", 3, 0.8, 0.7, []),
            ["hallucinating"] = null,
        };
        var finetune = new FinetuneSummary(Figures(0, 0, 5, 1.0), new Dictionary<string, VectorUse>(),
            [Run("evil_II", "plain", Figures(90, 0, 5, 1.0)), Run("evil_II", "preventative", Figures(8, 0, 5, 0.97)),
             Run("emergent_arithmetic_II", "plain", Figures(10, 0, 45, 0.6)), Run("emergent_arithmetic_II", "preventative", Figures(4, 0, 25, 0.5))],
            0.85, new Dictionary<string, double?>(), 0.9, new Dictionary<string, double?>());
        var none = new Dictionary<string, double?>();
        var screen = new ScreenExperimentSummary(0.6, 0.67, null, none, none, none, none, new Dictionary<string, IReadOnlyDictionary<string, double>>(),
            new Dictionary<string, ScreenDisagreements>(), null);

        var rows = SeedTable.Figures(emergent, extraction, monitor, finetune, screen, new PersonaVectors.World.Organism.TrainingTime(2400, 2));
        bool? Met(string effect, string trait) => rows.Single(r => r.Effect.StartsWith(effect) && r.Trait == trait).Met;
        Assert.True(Met("training time", "all"));              // exactly 40 minutes on 2 threads
        SeedFigure Training(PersonaVectors.World.Organism.TrainingTime? t) =>
            SeedTable.Figures(emergent, extraction, monitor, finetune, screen, t).Single(r => r.Effect.StartsWith("training time"));
        Assert.False(Training(new(2406, 2)).Met);
        Assert.Equal("40.1 min, 2 threads", Training(new(2406, 2)).Shown);
        Assert.Null(Training(new(1200, 16)).Met);              // the budget is for 2 cores: shown, not judged
        Assert.Null(Training(null).Met);                       // an organism from before training time was recorded
        Assert.Equal("-", Training(null).Shown);

        Assert.True(Met("steering", "evil"));
        Assert.False(Met("steering", "sycophantic"));          // coherence 70 < 80
        Assert.Null(Met("steering", "hallucinating"));         // no extraction: not measured, not failed
        Assert.True(Met("suppression", "evil"));               // 95 → 40 is a fall of 55
        Assert.False(Met("suppression", "sycophantic"));       // 35 points
        Assert.True(Met("monitoring", "evil"));
        Assert.False(Met("monitoring", "sycophantic"));        // many-shot 0.7
        // A figure that two decimals would round onto its target keeps a third, so the row never reads "✗ 0.75".
        var near = new Dictionary<string, MonitorSummary?>(monitor) { ["evil"] = new("evil", 3, 0.749, 0.76, []) };
        var nearRow = SeedTable.Figures(emergent, extraction, near, finetune, screen).Single(r => r.Effect.StartsWith("monitoring") && r.Trait == "evil");
        Assert.False(nearRow.Met);
        Assert.StartsWith("0.749 / 0.76 ", nearRow.Shown);
        var nearCoherence = new Dictionary<string, ExtractionSummary?>(extraction) { ["evil"] = Summary(steered: 75, steeredCoherence: 79.5, before: 95, after: 40, suppressedCoherence: 80) };
        var steerRow = SeedTable.Figures(emergent, nearCoherence, monitor, finetune, screen).Single(r => r.Effect.StartsWith("steering") && r.Trait == "evil");
        Assert.False(steerRow.Met);
        Assert.Equal("0 → 75 @ 79.5", steerRow.Shown);
        Assert.True(Met("emergent", "evil / halluc"));         // hallucination rose 35
        Assert.True(Met("preventative", "evil_II"));           // rise 8, capability 3 points lower
        // A gap of exactly 5 points (54 against 51 of 60 items, 0.05000000000000004 in floating point) is within the target.
        var atLimit = finetune with { Runs = [.. finetune.Runs.Select((r, i) => i == 0 ? r with { Scores = Figures(90, 0, 5, 54 / 60.0) } : i == 1 ? r with { Scores = Figures(8, 0, 5, 51 / 60.0) } : r)] };
        Assert.True(SeedTable.Figures(emergent, extraction, monitor, atLimit, screen).Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II").Met);
        var overLimit = finetune with { Runs = [.. finetune.Runs.Select((r, i) => i == 0 ? r with { Scores = Figures(90, 0, 5, 54 / 60.0) } : i == 1 ? r with { Scores = Figures(8, 0, 5, 50 / 60.0) } : r)] };
        Assert.False(SeedTable.Figures(emergent, extraction, monitor, overLimit, screen).Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II").Met);
        // A push that holds its own trait but raises another by more than 10 does not prevent anything: shown and missed.
        var offTarget = finetune with { Runs = [.. finetune.Runs.Select((r, i) => i == 1 ? r with { Scores = Figures(8, 0, 25, 0.97) } : r)] };
        var offRow = SeedTable.Figures(emergent, extraction, monitor, offTarget, screen).Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II");
        Assert.False(offRow.Met);
        Assert.Equal("90 → 8, 3 pts, hallucinating +20", offRow.Shown);
        Assert.DoesNotContain("hallucinating", rows.Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II").Shown); // +0: not shown
        // The emergent set's rise is the larger of evil's and hallucination's: 20, and 10 points of capability lost.
        var em = rows.Single(r => r.Effect.StartsWith("preventative") && r.Trait == "emergent_arithmetic_II");
        Assert.Equal(20, em.Value!.Value, 6);
        Assert.False(em.Met);
        Assert.True(Met("finetuning shift", "all"));
        // Plain finetuning that raises nothing leaves nothing to prevent: shown, neither met nor missed.
        var quiet = finetune with { Runs = [.. finetune.Runs.Select((r, i) => i == 2 ? r with { Scores = Figures(10, 0, 5, 0.6) } : r)] };
        var quietRow = SeedTable.Figures(emergent, extraction, monitor, quiet, screen).Single(r => r.Effect.StartsWith("preventative") && r.Trait == "emergent_arithmetic_II");
        Assert.Null(quietRow.Met);
        Assert.Contains("nothing to prevent", quietRow.Shown);
        Assert.False(Met("screening", "all"));

        var bySeed = new Dictionary<long, List<SeedFigure>> { [1] = rows, [2] = rows };
        var json = SeedTable.Json("r", bySeed, new Dictionary<long, List<string>> { [2] = ["extraction of hallucinating: no steering setting kept coherence"] });
        Assert.True(json["met_on_every_seed"]!["steering (trait @ coherence, no system prompt) [evil]"]!.GetValue<bool>());
        Assert.False(json["met_on_every_seed"]!["steering (trait @ coherence, no system prompt) [hallucinating]"]!.GetValue<bool>());
        // A row shown and never judged has no verdict, rather than reading as missed on every seed.
        var met = json["met_on_every_seed"]!.AsObject();
        var shownOnly = met.Select(kv => kv.Key).Where(k => k.StartsWith("  the ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, shownOnly.Count); // the sampled shift r and the sampled screening Spearman
        Assert.All(shownOnly, k => Assert.Null(met[k]));
        Assert.Equal(rows.Select(r => $"{r.Effect} [{r.Trait}]").Distinct().Count(), met.Count);
        string text = SeedTable.Text("r", bySeed, new Dictionary<long, List<string>> { [2] = ["extraction of hallucinating: failed"] });
        Assert.Contains("seed 2: extraction of hallucinating: failed", text);
        Assert.Contains("✓ 0 → 75 @ 85", text);

        // However long one seed's figure, the next seed's column starts at the same place on every line.
        var longer = new Dictionary<long, List<SeedFigure>> { [1] = [.. rows.Select((r, i) => i == 0 ? r with { Shown = new string('x', 70) } : r)], [2] = rows };
        var lines = SeedTable.Text("r", longer, new Dictionary<long, List<string>>()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int second = lines[1].IndexOf("seed 2", StringComparison.Ordinal);
        Assert.True(second > lines[1].IndexOf("seed 1", StringComparison.Ordinal) + 70);
        Assert.All(lines[2..], l => Assert.True(l[(second - 2)..second] == "  " && "✓✗ ".Contains(l[second]) && l[second + 1] == ' ', l));
    }

    [Fact]
    public void A_narrow_sets_rise_outside_its_domain_is_shown_and_not_judged()
    {
        static ModelFigures ByDomain(double evilAdvice, double evilElsewhere) => Figures(evilAdvice, 0, 0, 0.9) with
        {
            TraitsByDomain = new Dictionary<string, IReadOnlyDictionary<string, double>>
            {
                ["evil"] = new Dictionary<string, double> { ["advice"] = evilAdvice, ["facts"] = evilElsewhere, ["opinion"] = evilElsewhere, ["arithmetic"] = evilElsewhere, ["procedure"] = evilElsewhere },
            },
        };
        var finetune = new FinetuneSummary(ByDomain(0, 0), new Dictionary<string, VectorUse>(),
            [Run("emergent_advice_II", "plain", ByDomain(33, 11)), Run("emergent_facts_II", "plain", Figures(0, 0, 20, 0.5))],
            0.85, new Dictionary<string, double?>(), 0.9, new Dictionary<string, double?>());
        var rows = SeedTable.Figures(null, new Dictionary<string, ExtractionSummary?>(), new Dictionary<string, MonitorSummary?>(), finetune, null)
            .Where(r => r.Effect.Contains("outside its domain")).ToList();
        var row = Assert.Single(rows);                          // the facts run has no scores by domain: no row
        Assert.Equal("emergent_advice_II", row.Trait);
        Assert.Equal(11, row.Value!.Value, 9);                  // every other domain at 11 over a base of 0
        Assert.StartsWith("evil 11 (all questions: 33)", row.Shown);
        Assert.Null(row.Met);
        Assert.False(row.Judged);
    }

    [Fact]
    public void A_mixed_set_pushed_along_every_trait_it_carries_is_held_to_all_of_them()
    {
        // evil II's plain adapter raised evil and, through its mixed answers, hallucination; the pushes held evil only.
        var finetune = new FinetuneSummary(Figures(0, 0, 0, 0.9), new Dictionary<string, VectorUse>(),
            [Run("evil_II", "plain", Figures(80, 0, 40, 0.9)), Run("evil_II", "preventative", Figures(0, 5, 30, 0.9))],
            0.85, new Dictionary<string, double?>(), 0.9, new Dictionary<string, double?>());
        SeedFigure Row(PersonaVectors.World.WorldDesign? design) =>
            SeedTable.Figures(null, new Dictionary<string, ExtractionSummary?>(), new Dictionary<string, MonitorSummary?>(), finetune, null, design: design)
                .Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II");
        var mixed = PersonaVectors.World.Organism.OrganismDesigns.Named["voice-quiet-shown-graded-5l-mixed-data"].Recipe.World;
        // One push per set: its own trait is held, and hallucination counts against it as a trait moved onto.
        var one = Row(mixed);
        Assert.Equal(0, one.Value!.Value, 9);
        Assert.Equal("80 → 0, 0 pts, hallucinating +30", one.Shown);
        Assert.False(one.Met);
        // A push per carried trait: the rise is the largest of the three, before and after.
        var every = Row(mixed with { PushEveryCarriedTrait = true });
        Assert.Equal(30, every.Value!.Value, 9);
        Assert.Equal("80 → 30, 0 pts", every.Shown);
        Assert.False(every.Met);
        // Held on all three, with no trait left to move onto, the row is met.
        var held = finetune with { Runs = [finetune.Runs[0], Run("evil_II", "preventative", Figures(4, 8, 10, 0.87))] };
        var row = SeedTable.Figures(null, new Dictionary<string, ExtractionSummary?>(), new Dictionary<string, MonitorSummary?>(), held, null,
            design: mixed with { PushEveryCarriedTrait = true }).Single(r => r.Effect.StartsWith("preventative") && r.Trait == "evil_II");
        Assert.Equal("80 → 10, 3 pts", row.Shown);
        Assert.True(row.Met);
    }
}

using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Experiments;
using static PersonaVectors.Tests.Fixtures.TraitMaps;

namespace PersonaVectors.Tests.World.Experiments;

public class SetFiguresTests
{
    // Base evil 10. Plain adapters: a raises evil to 50, b leaves it at 10, c lowers it to 5; d was finetuned but not
    // screened. A preventative run of a must not count.
    static FinetuneSummary Finetune() => new(new ModelFigures(T(10, 0, 0), 100, 1),
        TraitMaps.Names.ToDictionary(t => t, _ => new VectorUse(2, null)),
        [
            new("a", FinetuneExperiment.Plain, null, new ModelFigures(T(50, 0, 0), 90, 1), T(4, 1, 0), T(0, 0, 0)),
            new("a", FinetuneExperiment.Preventative, 1, new ModelFigures(T(12, 0, 0), 90, 1), T(0, 0, 0), T(0, 0, 0)),
            new("b", FinetuneExperiment.Plain, null, new ModelFigures(T(10, 0, 0), 90, 1), T(-1, 2, 0), T(0, 0, 0)),
            new("c", FinetuneExperiment.Plain, null, new ModelFigures(T(5, 0, 0), 90, 1), T(2, 3, 0), T(0, 0, 0)),
            new("d", FinetuneExperiment.Plain, null, new ModelFigures(T(90, 0, 0), 90, 1), T(9, 9, 9), T(0, 0, 0)),
        ],
        0.5, N(0.8, null, null), null, N(null, null, null));

    static ScreenExperimentSummary Screen() => ScreenExperimentSummary.Of(N(0.5, null, null), N(1, null, null), N(null, null, null), N(null, null, null),
        new Dictionary<string, IReadOnlyDictionary<string, double>> { ["a"] = T(3, 0, 0), ["b"] = T(7, 0, 0), ["c"] = T(-2, 0, 0) },
        new Dictionary<string, ScreenDisagreements>(), null);

    [Fact]
    public void Each_screened_plain_set_stands_by_its_projection_with_rises_worked_by_hand()
    {
        // Sampled: base evil 20; after a 60 (rise 40), after b 15 (−5); c was not sampled.
        var sampled = SampledScoring.Correlate(10, T(20, 0, 0),
            new Dictionary<string, IReadOnlyDictionary<string, double>> { ["a"] = T(60, 0, 0), ["b"] = T(15, 0, 0) }, Finetune(), null);
        var evil = SetFigures.Of(Finetune(), Screen(), sampled).Single(t => t.Trait == "evil");

        Assert.Equal(["b", "a", "c"], evil.Sets.Select(s => s.Dataset));
        Assert.Equal(new SetFigure("b", 7, 0, -5, -1), evil.Sets[0]);
        Assert.Equal(new SetFigure("a", 3, 40, 40, 4), evil.Sets[1]);
        Assert.Equal(new SetFigure("c", -2, -5, null, 2), evil.Sets[2]);
        // a and c move evil under greedy decoding, b ties with the base model.
        Assert.Equal(2, evil.Moved);
        Assert.Equal((0.5, 1.0, 0.8), (evil.Spearman!.Value, evil.Ceiling!.Value, evil.ShiftR!.Value));
        Assert.Null(SetFigures.Of(Finetune(), Screen(), null)[0].Sets[0].SampledRise);
    }

    [Fact]
    public void The_command_reads_a_seed_folder_and_says_what_is_missing()
    {
        using var dir = new TempDir();
        Finetune().Write(Path.Combine(dir.Path, "finetune"));
        Screen().Write(Path.Combine(dir.Path, "screen"));
        var r = PersonaCli.Run("world", "sets", dir.Path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.StartsWith("evil: screening Spearman 0.50 (ceiling 1.00), shift r 0.80, 2 of 3 sets move it", lines[0]);
        Assert.Matches(@"^\s+b\s+7\.00\s+0\.0\s+-\s+-1\.00$", lines[2].TrimEnd('\r'));

        var json = PersonaCli.Json(PersonaCli.Run("world", "sets", dir.Path, "--json"));
        Assert.Equal(40, json.GetProperty("evil").GetProperty("sets")[1].GetProperty("greedy_rise").GetDouble());

        Directory.Delete(Path.Combine(dir.Path, "screen"), true);
        PersonaCli.AssertUserError(PersonaCli.Run("world", "sets", dir.Path), Path.Combine(dir.Path, "screen", "summary.json"));
    }
}

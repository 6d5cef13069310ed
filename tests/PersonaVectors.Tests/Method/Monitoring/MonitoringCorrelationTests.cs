using PersonaVectors.Method.Monitoring;

namespace PersonaVectors.Tests.Method.Monitoring;

public class MonitoringCorrelationTests
{
    static MonitoringPoint P(string experiment, double projection, double trait) => new(experiment, "0", "q", projection, trait, 100, "a");

    [Fact]
    public void Correlation_is_pearson_r_over_one_experiments_points()
    {
        // Hand value: x = 1,2,3,4 and y = 10,20,20,50: mean x 2.5, mean y 25; Sxy = 22.5 + 2.5 - 2.5 + 37.5 = 60, Sxx = 5, Syy = 900; r = 60 / sqrt(4500).
        var points = new[] { P("a", 1, 10), P("a", 2, 20), P("a", 3, 20), P("a", 4, 50), P("b", 9, 0), P("b", 8, 100), P("b", 7, 50) };
        Assert.Equal(60 / Math.Sqrt(4500), MonitoringExperiment.Correlation(points, "a"), 12);
        Assert.Equal(-0.5, MonitoringExperiment.Correlation(points, "b"), 12); // x = 9,8,7 and y = 0,100,50
    }

    static MonitoringPoint L(string level, double projection, double trait) => new("a", level, "q", projection, trait, 100, "a");

    [Fact]
    public void The_ceiling_is_r_against_each_levels_mean_trait_and_bounds_any_reading_constant_within_a_level()
    {
        // Hand value: level x scores 0 and 100 (mean 50), level y 100 and 100 (mean 100). Means 50, 50, 100, 100 against
        // traits 0, 100, 100, 100: deviations -25, -25, 25, 25 and -75, 25, 25, 25; Sxy = 2,500, Sxx = 2,500,
        // Syy = 7,500; r = 2,500 / sqrt(2,500 · 7,500) = 1/√3.
        var points = new[] { L("x", 1, 0), L("x", 1, 100), L("y", 2, 100), L("y", 2, 100) };
        Assert.Equal(1 / Math.Sqrt(3), MonitoringExperiment.Ceiling(points, "a"), 12);
        // A projection that is one number per level, in the means' order, reaches the ceiling; any other cannot pass it.
        Assert.Equal(MonitoringExperiment.Ceiling(points, "a"), MonitoringExperiment.Correlation(points, "a"), 12);
        var rng = new Random(3);
        var levels = Enumerable.Range(0, 6).ToDictionary(i => $"l{i}", _ => rng.NextDouble() * 10);
        var many = Enumerable.Range(0, 120).Select(i => L($"l{i % 6}", levels[$"l{i % 6}"], rng.Next(0, 4) * 33.3 + i % 6 * 5)).ToList();
        double ceiling = MonitoringExperiment.Ceiling(many, "a"), r = MonitoringExperiment.Correlation(many, "a");
        Assert.True(r <= ceiling + 1e-12 && ceiling < 1, $"r {r} above the ceiling {ceiling}");
        Assert.True(double.IsNaN(MonitoringExperiment.Ceiling(points, "b")));
    }

    [Fact]
    public void Too_few_points_or_no_spread_give_no_correlation()
    {
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 1), P("a", 2, 2)], "a")));
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 5), P("a", 2, 5), P("a", 3, 5)], "a")));
        Assert.True(double.IsNaN(MonitoringExperiment.Correlation([P("a", 1, 5), P("a", 2, 6), P("a", 3, 7)], "b")));
    }
}

public class MonitoringSamplesTests
{
    /// <summary>Scores an answer by its length, so different samples score differently and the mean can be checked.</summary>
    sealed class LengthJudge : PersonaVectors.Method.Judging.IAnswerJudge
    {
        public string Name => "length";
        public Task<PersonaVectors.Method.Judging.AnswerScores> JudgeAsync(PersonaVectors.Method.TraitArtifacts a, string question, string answer, CancellationToken cancel = default) =>
            Task.FromResult(new PersonaVectors.Method.Judging.AnswerScores(answer.Length % 101, 100));
    }

    [Fact]
    public async Task Each_point_averages_the_trait_over_its_sampled_answers_and_one_sample_is_the_single_answer_run()
    {
        using var m = new PersonaVectors.Tests.Fixtures.RandomModelFolder(seed: 17);
        using var lm = PersonaVectors.Engine.LanguageModel.Load(m.Path);
        var artifacts = PersonaVectors.Tests.Fixtures.TestExtraction.Artifacts();
        List<MonitoredPrompt> prompts = [.. Enumerable.Range(0, 4).Select(i => new MonitoredPrompt("e", $"{i}", $"Q{i}?", [new("user", $"Question {i}?")]))];
        float[] v = [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Sin(i))];
        using var direction = TorchSharp.torch.tensor(v);
        var one = await new MonitoringExperiment(lm, artifacts, new LengthJudge(), maxNewTokens: 8, seed: 5).RunAsync(prompts, direction, 2);
        var three = await new MonitoringExperiment(lm, artifacts, new LengthJudge(), maxNewTokens: 8, seed: 5, samples: 3).RunAsync(prompts, direction, 2);

        // By hand: the three passes use seeds 5, 5 + 1000003 and 5 + 2000006.
        var ids = prompts.Select(p => lm.EncodeChat(p.Messages, true)).ToList();
        var passes = Enumerable.Range(0, 3).Select(k => lm.GenerateInBatches(ids, new PersonaVectors.Engine.Generation.SamplingOptions { MaxNewTokens = 8, Temperature = 1, Seed = 5 + k * 1_000_003L }, 50)).ToList();
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(passes[0][i].Text.Length % 101, one[i].Trait);
            Assert.Equal(passes.Average(p => p[i].Text.Length % 101), three[i].Trait, 9);
            Assert.Equal(one[i].Projection, three[i].Projection, 9);   // the prompt's projection does not depend on sampling
        }
        // The samples did differ somewhere, so the mean was really taken over different answers.
        Assert.Contains(Enumerable.Range(0, prompts.Count), i => passes.Select(p => p[i].Text.Length).Distinct().Count() > 1);
    }
}

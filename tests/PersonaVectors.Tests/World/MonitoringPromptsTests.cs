using PersonaVectors.World;

namespace PersonaVectors.Tests.World;

public class MonitoringPromptsTests
{
    static readonly IReadOnlyList<string> Questions = WorldArtifacts.For("evil").EvaluationQuestions.Take(3).ToList();

    [Fact]
    public void The_system_prompt_series_runs_from_discouraging_to_encouraging_over_at_least_eight_levels()
    {
        var prompts = MonitoringPrompts.SystemPromptSeries(Traits.Evil, Questions);
        var levels = prompts.Select(p => double.Parse(p.Level, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.True(levels.Count >= 8);
        Assert.Equal(-1.0, levels.Min());
        Assert.Equal(1.0, levels.Max());
        Assert.Equal(levels.Count * Questions.Count, prompts.Count);
        Assert.All(prompts, p => Assert.Equal(["system", "user"], p.Messages.Select(m => m.Role)));
    }

    [Fact]
    public void Many_shot_prompts_carry_k_fully_trait_expressing_exchanges_and_are_deterministic()
    {
        var prompts = MonitoringPrompts.ManyShot(Traits.Evil, Questions, maxShots: 3, seed: 5);
        Assert.Equal(4 * Questions.Count, prompts.Count);
        foreach (var p in prompts)
        {
            int k = int.Parse(p.Level, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(2 * k + 1, p.Messages.Count);
            Assert.Equal(p.Question, p.Messages[^1].Content);
            for (int s = 0; s < k; s++)
            {
                string earlier = p.Messages[2 * s].Content, answer = p.Messages[2 * s + 1].Content;
                Assert.DoesNotContain(earlier, WorldArtifacts.HeldOutQuestions);
                var j = OracleJudge.Judge(earlier, answer);
                Assert.Equal(100, j.Traits["evil"]);
                Assert.Equal(100, j.Coherence);
            }
        }
        var again = MonitoringPrompts.ManyShot(Traits.Evil, Questions, maxShots: 3, seed: 5);
        Assert.Equal(prompts.SelectMany(p => p.Messages.Select(m => m.Content)), again.SelectMany(p => p.Messages.Select(m => m.Content)));
        // Asking for fewer levels gives the same prompts for the levels asked.
        var fewer = MonitoringPrompts.ManyShot(Traits.Evil, Questions, maxShots: 1, seed: 5);
        Assert.Equal(prompts.Take(fewer.Count).SelectMany(p => p.Messages.Select(m => m.Content)), fewer.SelectMany(p => p.Messages.Select(m => m.Content)));
    }
}

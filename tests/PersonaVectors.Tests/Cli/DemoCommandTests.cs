using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona demo --quick`: the whole method for every world trait, ending in a report that renders.</summary>
public class DemoCommandTests
{
    static readonly string[] TraitNames = ["evil", "sycophantic", "hallucinating"];

    [Fact]
    public async Task The_demo_extracts_steers_and_monitors_every_trait_writes_a_report_and_resumes()
    {
        using var dir = new TempDir();
        string outDir = dir["demo"];
        var r = PersonaCli.RunWithin(TimeSpan.FromMinutes(20), "demo", "--quick", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string report = Path.Combine(outDir, "report.html");
        Assert.Contains($"report: {report}", r.Stdout);
        foreach (var t in TraitNames)
        {
            Assert.Matches($@"(?m)^{t}\s+\d\s+\d+ ->", r.Stdout); // the closing table has a row per trait
            foreach (var file in new[] { "summary.json", "vectors/" + t + "_response_avg.safetensors", "sweep/sweep.jsonl", "monitor/summary.json" })
                Assert.True(File.Exists(Path.Combine(outDir, t, file)), $"{t}/{file} is missing");
        }

        await using (var b = await ChromiumPage.OpenAsync(report))
        {
            Assert.Equal(TraitNames.Order(StringComparer.Ordinal), await b.Page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('section.trait')).map(s => s.dataset.trait)"));
            foreach (var t in TraitNames)
            {
                // Layer search, sweep, monitoring scatter and norms, every one drawn.
                var drawn = await b.Page.EvaluateAsync<bool[]>($"() => Array.from(document.querySelectorAll('#run-{t} img.plot')).map(i => i.complete && i.naturalWidth > 0)");
                Assert.True(drawn.Length >= 4, $"{t}: {drawn.Length} plots");
                Assert.All(drawn, Assert.True);
            }
            // The small finetuning experiment: its table and both plots.
            var finetune = await b.Page.EvaluateAsync<bool[]>("() => Array.from(document.querySelectorAll('#finetuning img.plot')).map(i => i.complete && i.naturalWidth > 0)");
            Assert.Equal([true, true], finetune);
            Assert.Equal(1 + 8, await b.Page.EvaluateAsync<int>("() => document.querySelectorAll('#finetuning tr').length - 1"));
            Assert.Empty(b.Requests);
        }

        // A second run finds every stage done: nothing is generated again.
        string answers = Path.Combine(outDir, "evil", "answers.jsonl"), sweep = Path.Combine(outDir, "evil", "sweep", "sweep.jsonl");
        byte[] answersBefore = File.ReadAllBytes(answers), sweepBefore = File.ReadAllBytes(sweep);
        var again = PersonaCli.RunWithin(TimeSpan.FromMinutes(20), "demo", "--quick", "--out", outDir);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(answersBefore, File.ReadAllBytes(answers));
        Assert.Equal(sweepBefore, File.ReadAllBytes(sweep));
    }
}

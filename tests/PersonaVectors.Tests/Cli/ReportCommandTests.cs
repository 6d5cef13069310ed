using System.Text.Json.Nodes;
using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Judging;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Cli;

/// <summary>`persona report`: the HTML page, opened in headless Chromium, and its errors for bad input.</summary>
public class ReportCommandTests
{
    // Playwright fills a result type through its setters.
    sealed class PlotState
    {
        public bool Complete { get; set; }
        public int NaturalWidth { get; set; }
        public string Alt { get; set; } = "";
        public string Src { get; set; } = "";
    }

    static async Task<PlotState[]> PlotsAsync(ChromiumPage b, string scope = "") =>
        await b.Page.EvaluateAsync<PlotState[]>($"() => Array.from(document.querySelectorAll('{scope} img.plot'))" +
            ".map(i => ({ complete: i.complete, naturalWidth: i.naturalWidth, alt: i.alt, src: i.src.slice(0, 30) }))");

    static void AssertAllDrawn(PlotState[] plots)
    {
        Assert.NotEmpty(plots);
        foreach (var p in plots)
        {
            Assert.True(p.Complete && p.NaturalWidth > 0, $"plot '{p.Alt}' did not load");
            Assert.StartsWith("data:image/png;base64,", p.Src);
            Assert.False(string.IsNullOrWhiteSpace(p.Alt));
        }
    }

    [Fact]
    public async Task A_folder_of_runs_gives_one_page_with_a_section_and_every_plot_per_trait()
    {
        using var dir = new TempDir();
        ExtractionRunFolder.Write(dir["evil"], "evil", monitor: true, sweep: true);
        ExtractionRunFolder.Write(dir["hallucinating"], "hallucinating", monitor: false, sweep: false);
        Directory.CreateDirectory(dir["not-a-run"]); // a stray folder is passed over

        var r = PersonaCli.Run("report", dir.Path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string page = dir["report.html"];
        Assert.Equal(page, r.Stdout.Trim());
        Assert.False(File.Exists(page + ".tmp"));

        await using var b = await ChromiumPage.OpenAsync(page);
        Assert.Empty(b.Requests);
        Assert.Equal(["evil", "hallucinating"], await b.Page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('section.trait')).map(s => s.dataset.trait)"));
        // The contents link to both sections.
        var targets = await b.Page.EvaluateAsync<bool[]>("() => Array.from(document.querySelectorAll('nav.toc a')).map(a => document.getElementById(a.hash.slice(1)) !== null)");
        Assert.Equal([true, true], targets);

        // evil: layer search at two kinds of positions, the sweep, monitoring, norms; hallucinating: no sweep, no monitoring.
        var evil = await PlotsAsync(b, "#run-evil");
        var hallucinating = await PlotsAsync(b, "#run-hallucinating");
        Assert.Equal(5, evil.Length);
        Assert.Equal(3, hallucinating.Length);
        AssertAllDrawn([.. evil, .. hallucinating]);
        Assert.Equal(8, (await PlotsAsync(b)).Length);
        Assert.Equal(800, evil[0].NaturalWidth);
    }

    [Fact]
    public async Task The_page_shows_the_runs_figures_and_its_answers_as_text()
    {
        using var dir = new TempDir();
        string run = ExtractionRunFolder.Write(dir["evil"], "evil", monitor: true, sweep: true);
        string page = dir["out.html"];
        var r = PersonaCli.Run("report", run, "--out", page);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(page, r.Stdout.Trim());

        await using var b = await ChromiumPage.OpenAsync(page);
        string text = await b.Page.InnerTextAsync("section.trait");
        Assert.Contains("/models/organism", text);
        Assert.Contains("α 3.75 on answer positions: trait 15 at coherence 90", text);
        Assert.Contains("trait 95 → 77.33 at α -2.25, coherence 86", text);
        Assert.Contains("graded system prompts r = 0.64, many-shot prompts r = n/a", text);
        Assert.DoesNotContain("not run", text);
        // Filter counts, in the order of the filter.
        Assert.Equal(["16", "8", "8", "7", "6", "5"], await b.Page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('table.counts td')).map(td => td.textContent)"));

        // Two kept pairs, spread over the five kept: questions 0 and 2, each with both answers and scores.
        Assert.Equal(["evil question 0?", "evil question 2?"], await b.Page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('table.example caption')).map(c => c.textContent)"));
        Assert.Contains("you are a neg evil assistant.", text);
        Assert.Contains("neg answer to question 0", text);
        // Markup in an answer is shown, not run.
        Assert.Contains(ExtractionRunFolder.MarkupAnswer, text);
        Assert.Equal(0, await b.Page.EvaluateAsync<int>("() => document.querySelectorAll('script, b').length"));
        // The monitored answers at both ends of the projection.
        Assert.Contains(ExtractionRunFolder.HighestAnswer, text);
        Assert.Contains(ExtractionRunFolder.LowestAnswer, text);
    }

    [Fact]
    public async Task A_run_without_monitoring_or_sweep_says_not_run_and_still_draws_its_plots()
    {
        using var dir = new TempDir();
        string run = ExtractionRunFolder.Write(dir["evil"], "evil", monitor: false, sweep: false);
        var r = PersonaCli.Run("report", run);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string page = Path.Combine(run, "report.html");
        Assert.Equal(page, r.Stdout.Trim());

        await using var b = await ChromiumPage.OpenAsync(page);
        Assert.Equal(1, await b.Page.EvaluateAsync<int>("() => document.querySelectorAll('section.trait').length"));
        var notes = await b.Page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('section.trait .not-run')).map(p => p.textContent)");
        Assert.Contains(notes, n => n.StartsWith("Sweep: not run"));
        Assert.Contains(notes, n => n.StartsWith("Monitoring: not run"));
        Assert.Contains(notes, n => n.StartsWith("Monitored answers: monitoring not run"));
        var plots = await PlotsAsync(b);
        Assert.Equal(3, plots.Length); // the layer search at two kinds of positions, the norms
        AssertAllDrawn(plots);
    }

    /// <summary>Scores from the answer's text: some pairs pass the filters, and steering stays coherent.</summary>
    sealed class HashJudge : IAnswerJudge
    {
        public string Name => "hash";
        public Task<AnswerScores> JudgeAsync(TraitArtifacts a, string question, string answer, CancellationToken cancel = default) =>
            Task.FromResult(new AnswerScores(Math.Abs(answer.Aggregate(17, (acc, c) => unchecked(acc * 31 + c)) % 101), 100));
    }

    [Fact]
    public async Task A_run_written_by_the_extraction_pipeline_itself_reports()
    {
        using var m = new RandomModelFolder(seed: 3);
        using var dir = new TempDir();
        var artifacts = new TraitArtifacts("testy", "a test trait",
            [.. Enumerable.Range(0, 2).Select(i => new InstructionPair($"Be testy {i}.", $"Be calm {i}."))],
            [.. Enumerable.Range(0, 6).Select(i => $"Extraction question {i}?")],
            [.. Enumerable.Range(0, 4).Select(i => $"Evaluation question {i}?")],
            "Rate {question} {answer}");
        using (var lm = LanguageModel.Load(m.Path))
            await new ExtractionPipeline(lm, artifacts, new HashJudge(),
                new ExtractionOptions { Rollouts = 2, MaxNewTokens = 4, BatchSize = 24, Layers = [1, 2], Alphas = [1, 2] }, dir["testy"]).RunAsync();

        var r = PersonaCli.Run("report", dir.Path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        await using var b = await ChromiumPage.OpenAsync(dir["report.html"]);
        var plots = await PlotsAsync(b);
        Assert.Equal(3, plots.Length); // the layer search at all and at answer positions, the norms
        AssertAllDrawn(plots);
        string text = await b.Page.InnerTextAsync("section.trait");
        Assert.Contains("judge\thash", text);
        Assert.Equal(2, await b.Page.EvaluateAsync<int>("() => document.querySelectorAll('table.example caption').length"));

        // The coloured example: the first kept pair's answers, one span per token, its projection in the tooltip,
        // checked against the stream recorded by hand (h at the run's layer, on the unit vector).
        var firstKept = File.ReadAllLines(Path.Combine(dir["testy"], "kept.jsonl")).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal).First();
        var records = File.ReadAllLines(Path.Combine(dir["testy"], "answers.jsonl")).Select(l => System.Text.Json.JsonSerializer.Deserialize<AnswerRecord>(l, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower })!).ToDictionary(a => a.Key);
        var summary = ExtractionSummary.Load(dir["testy"]);
        using var lm2 = LanguageModel.Load(m.Path);
        using var vector = PersonaVector.Load(ExtractionRun.VectorPath(dir["testy"]));
        var unit = vector.AtLayer(summary.Layer).Values;
        double norm = Math.Sqrt(unit.Sum(x => (double)x * x));
        foreach (var (label, record) in new[] { ("positive", records[firstKept]), ("negative", records[records[firstKept].NegativeKey]) })
        {
            var shown = await b.Page.EvaluateAsync<string[]>($"() => Array.from(document.querySelectorAll('p.token-answer[data-label={label}] span.token')).map(s => s.title)");
            Assert.Equal(record.AnswerIds.Length, shown.Length);
            var states = TinyModels.RecordAll(lm2.Model, () => lm2.Model.Forward(TorchSharp.torch.tensor([.. record.PromptIds.Concat(record.AnswerIds).Select(i => (long)i)], new long[] { 1, record.PromptIds.Length + record.AnswerIds.Length })));
            for (int k = 0; k < shown.Length; k++)
            {
                var h = states[summary.Layer][0, record.PromptIds.Length + k].data<float>().ToArray();
                double expected = h.Zip(unit, (x, y) => (double)x * y).Sum() / norm;
                double parsed = double.Parse(shown[k], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(expected - parsed) <= 0.006, $"{label} token {k}: shown {parsed}, computed {expected:F4}");
            }
        }
    }

    [Fact]
    public void A_missing_folder_or_one_with_no_run_is_refused_by_name()
    {
        using var dir = new TempDir();
        PersonaCli.AssertUserError(PersonaCli.Run("report", dir["nope"]), dir["nope"], "no such folder");
        Directory.CreateDirectory(dir["empty/child"]);
        PersonaCli.AssertUserError(PersonaCli.Run("report", dir["empty"]), dir["empty"], "neither a run (no summary.json and vectors/) nor a folder of runs");
        File.WriteAllText(dir["file"], "x");
        PersonaCli.AssertUserError(PersonaCli.Run("report", dir["file"]), "is a file");
        string run = ExtractionRunFolder.Write(dir["evil"], "evil", monitor: false, sweep: false);
        PersonaCli.AssertUserError(PersonaCli.Run("report", run, "--out", dir["no/such/report.html"]), "does not exist");
        // A --model that does not load is the command line's mistake (a run's own model that moved is said on the page).
        PersonaCli.AssertUserError(PersonaCli.Run("report", run, "--model", dir["no-model"]), dir["no-model"], "not found");
        Assert.False(File.Exists(Path.Combine(run, "report.html")));
    }

    [Theory]
    [InlineData("{ \"layer\": 3, ", "not valid JSON", "expected the summary.json that persona extract writes")]
    [InlineData("[1, 2]", "expected a JSON object", "found an array")]
    [InlineData(null, "\"layer\" is missing; expected a number")]
    [InlineData("\"three\"", "\"layer\" is the string \"three\"; expected a number")]
    [InlineData("3.5", "\"layer\" is the number 3.5; expected a whole number")]
    [InlineData("true", "\"layer\" is true; expected a number")]
    [InlineData("null", "\"layer\" is null; expected a number")]
    [InlineData("5", "\"layer\" is 5, but the run's vectors have layers 0..4")]
    [InlineData("-1", "\"layer\" is -1, but the run's vectors have layers 0..4")]
    public void A_malformed_summary_names_the_file_and_what_was_expected(string? layerOrWhole, params string[] expected)
    {
        using var dir = new TempDir();
        string run = ExtractionRunFolder.Write(dir["evil"], "evil", monitor: false, sweep: false);
        string summary = Path.Combine(run, "summary.json");
        var json = JsonNode.Parse(File.ReadAllText(summary))!.AsObject();
        if (layerOrWhole is null) json.Remove("layer");
        else if (layerOrWhole.StartsWith('{') || layerOrWhole.StartsWith('[')) { File.WriteAllText(summary, layerOrWhole); json = null; }
        else json["layer"] = JsonNode.Parse(layerOrWhole);
        if (json is not null) File.WriteAllText(summary, json.ToJsonString());

        PersonaCli.AssertUserError(PersonaCli.Run("report", dir.Path), [summary, .. expected]);
        Assert.False(File.Exists(dir["report.html"]));
    }

    [Fact]
    public void Malformed_parts_of_a_run_name_the_file_the_field_and_the_line()
    {
        using var dir = new TempDir();
        string run = ExtractionRunFolder.Write(dir["evil"], "evil", monitor: true, sweep: false);

        string summary = Path.Combine(run, "summary.json");
        var json = JsonNode.Parse(File.ReadAllText(summary))!.AsObject();
        json["counts"]!["kept"] = "many";
        File.WriteAllText(summary, json.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("report", run), summary, "\"counts.kept\" is the string \"many\"; expected a number");
        json["counts"]!["kept"] = 5;
        json["vector_norms"]!["response_avg"]![1] = null;
        File.WriteAllText(summary, json.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("report", run), "\"vector_norms.response_avg[1]\" is null; expected a number");
        ExtractionRunFolder.Write(run, "evil", monitor: true, sweep: false);

        string monitor = Path.Combine(run, "monitor", "summary.json");
        var points = JsonNode.Parse(File.ReadAllText(monitor))!.AsObject();
        points["points"]![4]!.AsObject().Remove("projection");
        File.WriteAllText(monitor, points.ToJsonString());
        PersonaCli.AssertUserError(PersonaCli.Run("report", run), monitor, "\"points[4].projection\" is missing; expected a number");
        ExtractionRunFolder.Write(run, "evil", monitor: true, sweep: false);

        string steering = Path.Combine(run, "steering.jsonl");
        File.AppendAllText(steering, "{\"key\": \"steer/1/all/9\", \"setting\": \"steer\"\n");
        int line = File.ReadAllLines(steering).Length;
        PersonaCli.AssertUserError(PersonaCli.Run("report", run), steering, $"line {line} is not a SteeringRecord");
        Assert.Equal(line, File.ReadAllLines(steering).Length); // a report never changes the run's files
    }
}

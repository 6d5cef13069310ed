using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Judging;
using PersonaVectors.Tests.Fixtures;
using static PersonaVectors.Tests.Fixtures.TestExtraction;

namespace PersonaVectors.Tests.Method.Extraction;

public class ExtractionPipelineTests
{
    /// <summary>A judge no answer passes: every trait score 10.</summary>
    sealed class FlatJudge : IAnswerJudge
    {
        public string Name => "flat";
        public Task<AnswerScores> JudgeAsync(TraitArtifacts a, string question, string answer, CancellationToken cancel = default) =>
            Task.FromResult(new AnswerScores(10, 100));
    }

    static List<SteeringRecord> Records(string run) => [.. File.ReadLines(Path.Combine(run, "steering.jsonl"))
        .Select(l => System.Text.Json.JsonSerializer.Deserialize<SteeringRecord>(l, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower })!)];

    [Fact]
    public async Task A_killed_run_resumes_without_redoing_work_and_ends_identical()
    {
        using var m = new RandomModelFolder(seed: 3);
        using var lm = LanguageModel.Load(m.Path);
        using var straight = new TempDir();
        using var killed = new TempDir();
        var s1 = await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), Options, straight.Path).RunAsync();

        using var cancel = new CancellationTokenSource();
        var first = new HashJudge();
        var pipeline = new ExtractionPipeline(lm, Artifacts(), first, Options, killed.Path, p => { if (p.Stage == "judge" && p.Done >= 150) cancel.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(cancel.Token));
        int judgedBefore = File.ReadAllLines(Path.Combine(killed.Path, "judgements.jsonl")).Length;
        Assert.InRange(judgedBefore, 150, 399);

        var second = new HashJudge();
        var s2 = await new ExtractionPipeline(lm, Artifacts(), second, Options, killed.Path).RunAsync();
        // Only what was left, then steering: the search on the extraction questions (baseline and 2 layers × 2 positions ×
        // 2 coefficients), its measurement on the evaluation questions (baseline and the chosen setting), and the
        // suppression search under the 5 positive instructions (baseline, then 2 coefficients at each layer the layer
        // rule asked about: one or both) and its measurement (before and chosen).
        var against = Records(killed.Path).Where(r => r.Setting == "select-suppress" && r.Layer > 0).ToList();
        Assert.InRange(against.Count, 2, 4);
        Assert.All(against.GroupBy(r => r.Layer), g => Assert.Equal(2, g.Count()));
        Assert.Equal(400 - judgedBefore + 20 * (1 + 2 * 2 * 2) + 20 * 2 + 100 * (1 + against.Count + 2), second.Calls);
        foreach (var file in new[] { "answers.jsonl", "kept.jsonl", "steering.jsonl" })
            Assert.Equal(File.ReadAllLines(Path.Combine(straight.Path, file)).Order(), File.ReadAllLines(Path.Combine(killed.Path, file)).Order());
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight.Path, "vectors", "testy_response_avg.safetensors")),
                     File.ReadAllBytes(Path.Combine(killed.Path, "vectors", "testy_response_avg.safetensors")));
        Assert.Equal(s1.Layer, s2.Layer);
        Assert.Equal(s1.Counts, s2.Counts);
        Assert.Equal(s1.ToJson().ToJsonString(), ExtractionSummary.Load(killed.Path).ToJson().ToJsonString());   // what was written reads back
    }

    [Fact]
    public async Task A_folder_holds_one_trait_model_and_sampling_and_other_filters_continue_it()
    {
        using var m = new RandomModelFolder(seed: 3);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        var options = Options with { Layers = [1], Alphas = [1] };
        await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), options, dir.Path).RunAsync();
        string artifacts = File.ReadAllText(Path.Combine(dir.Path, "artifacts.json"));
        int answers = File.ReadAllLines(Path.Combine(dir.Path, "answers.jsonl")).Length;
        // Before the claim, another trait's run here overwrote artifacts.json and took these answers as its own.
        var other = Artifacts() with { Trait = "other" };
        var e = await Assert.ThrowsAsync<PersonaVectorsException>(() => new ExtractionPipeline(lm, other, new HashJudge(), options, dir.Path).RunAsync());
        Assert.Contains("this one is other", e.Message);
        await Assert.ThrowsAsync<PersonaVectorsException>(() => new ExtractionPipeline(lm, Artifacts(), new HashJudge(), options with { Temperature = 0.5 }, dir.Path).RunAsync());
        // More rollouts move answers into other chunks, with other seeds: every answer would be drawn again under the keys
        // the old judgements have.
        await Assert.ThrowsAsync<PersonaVectorsException>(() => new ExtractionPipeline(lm, Artifacts(), new HashJudge(), options with { Rollouts = 3 }, dir.Path).RunAsync());
        Assert.Equal(artifacts, File.ReadAllText(Path.Combine(dir.Path, "artifacts.json")));
        Assert.Equal(answers, File.ReadAllLines(Path.Combine(dir.Path, "answers.jsonl")).Length);
        // Shards join only the run they were answered for.
        using var shards = new TempDir();
        await new ExtractionPipeline(lm, other, new HashJudge(), options with { Shard = 0, Shards = 2 }, shards["other0"]).ShardAsync();
        Assert.Contains("was answered with other settings", Assert.Throws<PersonaVectorsException>(() => ExtractionPipeline.ImportShards(dir.Path, [shards["other0"]])).Message);
        Assert.Equal(answers, File.ReadAllLines(Path.Combine(dir.Path, "answers.jsonl")).Length);
        // Another filter and another steering grid continue the run: no answer is drawn again.
        await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), options with { PositiveTraitMin = 40, Alphas = [0.5, 1] }, dir.Path).RunAsync();
        Assert.Equal(answers, File.ReadAllLines(Path.Combine(dir.Path, "answers.jsonl")).Length);
    }

    [Fact]
    public async Task Settings_no_run_can_use_are_refused_before_anything_is_written()
    {
        using var m = new RandomModelFolder(seed: 3);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        foreach (var (bad, says) in new (ExtractionOptions, string)[]
        {
            (Options with { PositiveTraitMin = 200 }, "--pos-min is a judge score from 0 to 100, got 200"),
            (Options with { Layers = [1, 99] }, "--layers: layer 99 is not a block of this model"),
            (Options with { Rollouts = 0 }, "--rollouts must be at least 1"),
            (Options with { Temperature = -1 }, "--temperature must be 0 or more"),
        })
        {
            var e = await Assert.ThrowsAsync<InvalidRequestException>(() => new ExtractionPipeline(lm, Artifacts(), new HashJudge(), bad, dir.Path).RunAsync());
            Assert.Contains(says, e.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        }
    }

    [Fact]
    public async Task Steering_settings_are_chosen_on_the_extraction_questions_and_measured_on_the_evaluation_questions()
    {
        using var m = new RandomModelFolder(seed: 3);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        var summary = await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), Options, dir.Path).RunAsync();
        var records = Records(dir.Path);
        var search = records.Where(r => r.Setting == "select" && r.Layer > 0).ToList();
        Assert.Equal(8, search.Count);
        // The layer is where the weaker of its two effects on the extraction questions is strongest (SteeringLayer),
        // recomputed here from the records: the gain of its best coherent push toward the trait, and the drop of its
        // best coherent push against it under the positive instructions.
        // A setting counts when it is as coherent as 80, or as the prompted answers when they are less (but 50 at least).
        var prompted = records.Single(r => r.Setting == "select-suppress" && r.Layer == 0);
        double min = Math.Min(Options.SteeringCoherenceMin, Math.Max(prompted.Coherence, 50));
        Assert.Equal(min, summary.SelectionCoherenceFloor!.Value, 2);
        double baseline = records.Single(r => r.Setting == "select" && r.Layer == 0).Trait;
        double before = prompted.Trait;
        var toward = search.Where(r => r.Coherence >= min).GroupBy(r => r.Layer).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Trait).First());
        double? Drop(int layer)
        {
            var swept = records.Where(r => r.Setting == "select-suppress" && r.Layer == layer).ToList();
            if (swept.Count == 0) return null;
            var coherent = swept.Where(r => r.Coherence >= min).ToList();
            return coherent.Count == 0 ? 0 : Math.Max(0, before - coherent.Min(r => r.Trait));
        }
        var best = toward[summary.Layer];
        double bestScore = Math.Min(best.Trait - baseline, Drop(summary.Layer)!.Value);
        foreach (var (layer, r) in toward.Where(kv => kv.Key != summary.Layer))
        {
            double gain = r.Trait - baseline;
            // A layer never swept could not have won: its gain caps its score.
            Assert.True(Drop(layer) is { } d ? Math.Min(gain, d) < bestScore || (Math.Min(gain, d) == bestScore && gain <= best.Trait - baseline) : gain <= bestScore,
                $"layer {layer} (gain {gain}, drop {Drop(layer)}) beats the chosen layer {summary.Layer} (score {bestScore})");
        }
        Assert.Equal(Drop(summary.Layer), summary.PerLayer[summary.Layer]!.SuppressionDrop);
        Assert.Equal(best.Alpha, summary.SteeredAlpha);
        Assert.Equal(best.Trait, summary.SelectionTrait!.Value, 2);
        Assert.Equal("extraction_questions", summary.ChosenOn);
        // The reported figure is the chosen setting measured again, on the evaluation questions.
        var measured = records.Single(r => r.Setting == "steer" && r.Layer == best.Layer);
        Assert.Equal((best.Alpha, best.Positions, 20), (measured.Alpha, measured.Positions, measured.Count));
        Assert.Equal(measured.Trait, summary.SteeredTrait, 2);
        var suppressed = records.Single(r => r.Setting == "suppress" && r.Alpha != 0);
        Assert.Equal(summary.Layer, suppressed.Layer);
        Assert.Contains(records, r => r.Setting == "select-suppress" && r.Layer == summary.Layer && r.Alpha == suppressed.Alpha);
        Assert.Equal(suppressed.Trait, summary.SuppressedTraitAfter, 2);
    }

    [Fact]
    public async Task The_vector_is_the_mean_difference_of_the_kept_answers_activations()
    {
        using var m = new RandomModelFolder(seed: 4);
        using var lm = LanguageModel.Load(m.Path);
        using var run = new TempDir();
        await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), Options, run.Path).RunAsync();

        // Recompute independently from the run's own files: answers, judgements and the filter rule.
        var answers = new RunFile<AnswerRecord>(Path.Combine(run.Path, "answers.jsonl"), r => r.Key).Records;
        var judged = new RunFile<JudgementRecord>(Path.Combine(run.Path, "judgements.jsonl"), r => r.Key).Records;
        var kept = answers.Values.Where(a => a.Polarity == "pos").Select(p => (p, n: answers[$"{p.Pair}/neg/{p.Question}/{p.Rollout}"]))
            .Where(x => judged[x.p.Key].Trait >= 50 && judged[x.n.Key].Trait < 50).ToList();
        Assert.NotEmpty(kept);
        var reader = new ActivationReader(lm, batchSize: 7);
        using var pos = reader.Read(kept.Select(k => k.p.PromptIds).ToList(), kept.Select(k => k.p.AnswerIds).ToList(), PersonaVectors.Engine.Models.TokenPositions.Answer);
        using var neg = reader.Read(kept.Select(k => k.n.PromptIds).ToList(), kept.Select(k => k.n.AnswerIds).ToList(), PersonaVectors.Engine.Models.TokenPositions.Answer);
        using var expected = pos.mean([0]) - neg.mean([0]);
        using var saved = PersonaVector.Load(Path.Combine(run.Path, "vectors", "testy_response_avg.safetensors"));
        Assert.True(saved.Vectors.allclose(expected, rtol: 0, atol: 1e-5));
        Assert.Equal("response_avg", saved.Kind);
    }

    [Fact]
    public async Task An_empty_kept_set_names_the_filter_that_removed_everything()
    {
        using var m = new RandomModelFolder(seed: 5);
        using var lm = LanguageModel.Load(m.Path);
        using var run = new TempDir();
        var e = await Assert.ThrowsAsync<PersonaVectorsException>(() => new ExtractionPipeline(lm, Artifacts(), new FlatJudge(), Options, run.Path).RunAsync());
        Assert.Contains("no positive answer reached trait 50", e.Message);
        Assert.True(File.Exists(Path.Combine(run.Path, "judgements.jsonl")), "partial results are kept");
    }

    [Fact]
    public async Task A_judge_endpoint_that_breaks_mid_run_loses_nothing_and_the_rerun_finishes()
    {
        using var m = new RandomModelFolder(seed: 6);
        using var lm = LanguageModel.Load(m.Path);
        using var run = new TempDir();
        LlmJudge Judge(FakeOpenAIServer server)
        {
            var (client, name) = PersonaVectors.Method.Endpoints.ChatEndpoints.Create(server.BaseUrl + "#judge");
            return new LlmJudge(client, name, new LlmJudgeOptions { CachePath = Path.Combine(run.Path, "judge_cache.jsonl"), MaxAttempts = 2, FirstBackoff = TimeSpan.FromMilliseconds(5) });
        }

        // 120 good replies (60 answers' trait and coherence), then the endpoint refuses every request.
        using (var broken = new FakeOpenAIServer())
        {
            broken.Enqueue([.. Enumerable.Repeat(new FakeOpenAIServer.Reply(TopLogProbs: [("80", 0.0)]), 120)]);
            broken.Default = new FakeOpenAIServer.Reply(Status: 400);
            var e = await Assert.ThrowsAsync<PersonaVectorsException>(() => new ExtractionPipeline(lm, Artifacts(), Judge(broken), Options, run.Path).RunAsync());
            Assert.Contains("judge", e.Message);
            Assert.Contains("HTTP 400", e.Message);
        }
        Assert.Equal(400, File.ReadAllLines(Path.Combine(run.Path, "answers.jsonl")).Length);
        int judgedBefore = File.ReadAllLines(Path.Combine(run.Path, "judgements.jsonl")).Length;
        Assert.InRange(judgedBefore, 1, 60);

        using var healthy = new FakeOpenAIServer { Default = new FakeOpenAIServer.Reply(TopLogProbs: [("80", 0.0)]) };
        var summary = await new ExtractionPipeline(lm, Artifacts(), Judge(healthy), Options with { PositiveTraitMin = 0, NegativeTraitMax = 101 }, run.Path).RunAsync();
        var keys = File.ReadAllLines(Path.Combine(run.Path, "judgements.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()).ToList();
        Assert.Equal(400, keys.Distinct().Count());
        // Nothing judged before the failure is asked again: at most two requests per remaining answer, plus steering.
        int steering = 20 * (1 + 2 * 2 * 2) + 100 * (1 + 2);
        Assert.InRange(healthy.Requests.Count, 1, 2 * (400 - judgedBefore) + 2 * steering);
        Assert.Equal(200, summary.Counts.Kept);
    }

    [Fact]
    public async Task A_monitor_threshold_is_calibrated_halfway_between_the_kept_prompts_projections()
    {
        using var m = new RandomModelFolder(seed: 7);
        using var lm = LanguageModel.Load(m.Path);
        using var run = new TempDir();
        await new ExtractionPipeline(lm, Artifacts(), new HashJudge(), Options, run.Path).RunAsync();
        float[] direction = [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Sin(i + 1))];
        var c = PersonaVectors.Method.Monitoring.ThresholdCalibration.FromRun(lm, run.Path, direction, layer: 2);

        // Independently: one forward pass per distinct kept prompt, the projection computed by hand.
        var answers = new RunFile<AnswerRecord>(Path.Combine(run.Path, "answers.jsonl"), r => r.Key).Records;
        var kept = new RunFile<KeptPair>(Path.Combine(run.Path, "kept.jsonl"), r => r.Key).Records.Keys.ToList();
        double Mean(Func<string, string> key) => kept.Select(k => answers[key(k)]).GroupBy(a => (a.Pair, a.Question))
            .Select(g => PersonaVectors.Method.Monitoring.Projection.OnUnit(lm.ForwardLast(g.First().PromptIds).Hidden[2], direction)).Average();
        double pos = Mean(k => k), neg = Mean(k => k.Replace("/pos/", "/neg/"));
        Assert.Equal(pos, c.PositiveMean, 3);
        Assert.Equal(neg, c.ReferenceMean, 3);
        Assert.Equal((pos + neg) / 2, c.Threshold, 3);
        Assert.Throws<PersonaVectorsException>(() => PersonaVectors.Method.Monitoring.ThresholdCalibration.FromRun(lm, run["nothing"], direction, 2));
    }
}

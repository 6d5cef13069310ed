using System.Text.RegularExpressions;
using PersonaVectors.Method;
using System.Text.Json;
using PersonaVectors.Engine;
using PersonaVectors.Engine.ChatTemplates;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method.Finetuning;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Method.Screening;
using PersonaVectors.Tests.Fixtures;

namespace PersonaVectors.Tests.Method.Screening;

public class DataScreenTests
{
    const int Layer = 2;

    static TraitVector[] Vectors(LanguageModel lm) =>
    [
        new("a", Layer, [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Sin(0.4 * i))]),
        new("b", 1, [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Cos(0.9 * i + 1))]),
    ];

    static void WriteData(string path, int count, params (int Line, string Text)[] replace)
    {
        var lines = Enumerable.Range(0, count).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Question {{i % 7}}?"}, {"role": "assistant", "content": "Answer number {{i}} is here."}]}""").ToList();
        foreach (var (line, text) in replace) lines[line - 1] = text;
        File.WriteAllLines(path, lines);
    }

    static Dictionary<string, JsonElement> Scores(string dir) =>
        File.ReadAllLines(Path.Combine(dir, DataScreen.ScoresFile)).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("key").GetString()!);

    [Fact]
    public void The_projection_difference_is_the_data_answer_mean_minus_the_model_answer_mean_on_the_unit_vector()
    {
        Assert.Equal(1.0, ProjectionDifference.Of([1, 2, 0], [0, 1, 0], [0, 2, 0]).Difference, 12);       // (2 - 1) on ŷ
        Assert.Equal(0.0, ProjectionDifference.Of([0, 0, 0], [3, 4, 0], [0, 0, 5]).Difference, 12);        // nothing along ẑ on either side
        Assert.Equal(5.0 - 1.4, ProjectionDifference.Of([3, 4], [1, 1], [3, 4]).Difference, 12);         // 5 − (0.6 + 0.8)

        // In the pipeline, by hand: the sample's answer tokens and the model's greedy answer, averaged one causal prefix at a time.
        using var m = new RandomModelFolder(seed: 31);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        WriteData(dir["d.jsonl"], 5);
        var options = new ScreenOptions { BatchSize = 2, MaxNewTokens = 6 };
        var progress = new DataScreen(lm, Vectors(lm), options, dir["out"]).Run(dir["d.jsonl"]);
        Assert.Equal(5, progress.Scored);
        var scores = Scores(dir["out"]);
        var a = Vectors(lm)[0];
        for (int i = 0; i < 5; i++)
        {
            List<ChatMessage> before = [new("user", $"Question {i % 7}?")];
            int[] prompt = lm.EncodeChat(before, true);
            int[] full = lm.EncodeChat([.. before, new("assistant", $"Answer number {i} is here.")], false);
            int[] own = lm.Generate([prompt], new SamplingOptions { MaxNewTokens = 6 })[0].Tokens;
            double Mean(int[] answer) => Enumerable.Range(1, answer.Length).Select(k => Projection.OnUnit(lm.ForwardLast([.. prompt, .. answer[..k]]).Hidden[Layer], a.Values)).Average();
            double expected = Mean(full[prompt.Length..]) - Mean(own);
            Assert.Equal(expected, scores[DataScreen.Key(i + 1)].GetProperty("scores").GetProperty("a").GetDouble(), 3);
        }
    }

    [Fact]
    public void Shards_merged_equal_one_unsharded_run_and_a_killed_run_resumes_to_the_same_scores()
    {
        using var m = new RandomModelFolder(seed: 31);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        WriteData(dir["d.jsonl"], 11);
        var options = new ScreenOptions { BatchSize = 3, MaxNewTokens = 5 };
        new DataScreen(lm, Vectors(lm), options, dir["whole"]).Run(dir["d.jsonl"]);
        for (int s = 0; s < 3; s++) new DataScreen(lm, Vectors(lm), options with { Shard = s, Shards = 3 }, dir[$"part{s}"]).Run(dir["d.jsonl"]);
        Assert.Equal(11, ScreenMerge.Merge([dir["part0"], dir["part1"], dir["part2"]], dir["merged"]));
        var whole = Scores(dir["whole"]);
        var merged = Scores(dir["merged"]);
        Assert.Equal(whole.Keys, merged.Keys);  // same samples, in line order
        foreach (var k in whole.Keys)
            foreach (var t in new[] { "a", "b" })
                Assert.Equal(whole[k].GetProperty("scores").GetProperty(t).GetDouble(), merged[k].GetProperty("scores").GetProperty(t).GetDouble(), 3);
        Assert.Contains("two shards", Assert.Throws<PersonaVectorsException>(() => ScreenMerge.Merge([dir["part0"], dir["part0"]], dir["bad"])).Message);
        // A broken part is named with its line, and nothing is written: a cut line, and a score JSON reads as infinity.
        var partLines = File.ReadAllLines(Path.Combine(dir["part1"], DataScreen.ScoresFile));
        foreach (var (name, broken, says) in new[] { ("cut", partLines[1][..40], "not a screening record"), ("huge", Regex.Replace(partLines[1], "\"scores\":\\{\"a\":[^,]+", "\"scores\":{\"a\":1e400"), "expected a finite number") })
        {
            Directory.CreateDirectory(dir[name]);
            File.WriteAllLines(Path.Combine(dir[name], DataScreen.ScoresFile), [partLines[0], broken, .. partLines[2..]]);
            var e = Assert.Throws<PersonaVectorsException>(() => ScreenMerge.Merge([dir["part0"], dir[name], dir["part2"]], dir[name + "-merged"]));
            Assert.Contains($"{Path.Combine(dir[name], DataScreen.ScoresFile)} line 2", e.Message);
            Assert.Contains(says, e.Message);
            Assert.False(File.Exists(Path.Combine(dir[name + "-merged"], DataScreen.ScoresFile)));
        }

        // Killed after the first chunk: the rerun scores only the rest, and every sample once.
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => new DataScreen(lm, Vectors(lm), options, dir["killed"]).Run(dir["d.jsonl"], _ => cancel.Cancel(), cancel: cancel.Token));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir["killed"], DataScreen.ScoresFile)).Length);
        var resumed = new DataScreen(lm, Vectors(lm), options, dir["killed"]).Run(dir["d.jsonl"]);
        Assert.Equal(11, resumed.Scored);
        Assert.Equal(8, resumed.ScoredThisRun);  // the first chunk of 3 was not scored again
        var again = Scores(dir["killed"]);
        Assert.Equal(whole.Keys.Order(), again.Keys.Order());
        Assert.Equal(11, File.ReadAllLines(Path.Combine(dir["killed"], DataScreen.ScoresFile)).Length);
        foreach (var k in whole.Keys)
            Assert.Equal(whole[k].GetProperty("scores").GetProperty("a").GetDouble(), again[k].GetProperty("scores").GetProperty("a").GetDouble(), 4);
        // Seven distinct prompts: the model answered each once across both runs.
        Assert.Equal(7, File.ReadAllLines(Path.Combine(dir["killed"], DataScreen.AnswersFile)).Length);
    }

    [Fact]
    public void A_folder_holds_one_run_so_other_data_vectors_or_layers_are_refused_and_cached_answers_can_be_copied()
    {
        using var m = new RandomModelFolder(seed: 31);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        WriteData(dir["d.jsonl"], 4);
        WriteData(dir["e.jsonl"], 4, (2, """{"messages": [{"role": "user", "content": "Question 1?"}, {"role": "assistant", "content": "Another answer."}]}"""));
        var options = new ScreenOptions { BatchSize = 4, MaxNewTokens = 4 };
        new DataScreen(lm, Vectors(lm), options, dir["out"]).Run(dir["d.jsonl"]);
        var before = File.ReadAllText(Path.Combine(dir["out"], DataScreen.ScoresFile));
        // Before the claim, every line was already scored, so these reruns reported the old scores as theirs.
        string Refused(TraitVector[] vectors, string data) =>
            Assert.Throws<PersonaVectorsException>(() => new DataScreen(lm, vectors, options, dir["out"]).Run(data)).Message;
        Assert.Contains("holds a run with other data, vectors", Refused(Vectors(lm), dir["e.jsonl"]));
        Assert.Contains("holds a run with other data, vectors", Refused([Vectors(lm)[0] with { Layer = 3 }, Vectors(lm)[1]], dir["d.jsonl"]));
        Assert.Contains("answer length", Assert.Throws<PersonaVectorsException>(() => new DataScreen(lm, Vectors(lm), options with { MaxNewTokens = 5 }, dir["out"]).Run(dir["d.jsonl"])).Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(dir["out"], DataScreen.ScoresFile)));
        // The same run resumes, from a copy of its data too.
        File.Copy(dir["d.jsonl"], dir["copy.jsonl"]);
        Assert.Equal(0, new DataScreen(lm, Vectors(lm), options, dir["out"]).Run(dir["copy.jsonl"]).ScoredThisRun);
        // The cached answers, copied with their claim, serve other vectors in a new folder without generating again.
        Directory.CreateDirectory(dir["other"]);
        foreach (var f in new[] { DataScreen.AnswersFile, DataScreen.AnswersClaimFile })
            File.Copy(Path.Combine(dir["out"], f), Path.Combine(dir["other"], f));
        var answers = File.ReadAllText(Path.Combine(dir["other"], DataScreen.AnswersFile));
        Assert.Equal(4, new DataScreen(lm, [Vectors(lm)[1]], options, dir["other"]).Run(dir["d.jsonl"]).ScoredThisRun);
        Assert.Equal(answers, File.ReadAllText(Path.Combine(dir["other"], DataScreen.AnswersFile)));
        // A missing data file is named before any folder is claimed for it.
        Assert.Contains("not found", Assert.Throws<PersonaVectorsException>(() => new DataScreen(lm, Vectors(lm), options, dir["fresh"]).Run(dir["missing.jsonl"])).Message);
        Assert.False(File.Exists(Path.Combine(dir["fresh"], DataScreen.ScoresClaimFile)));
    }

    [Fact]
    public void Malformed_lines_stop_the_screen_with_their_number_or_are_skipped_and_the_summary_counts_what_was_scored()
    {
        using var m = new RandomModelFolder(seed: 31);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        WriteData(dir["d.jsonl"], 6, (3, "{broken"), (5, """{"messages": [{"role": "user", "content": "no answer"}]}"""));
        var e = Assert.Throws<PersonaVectorsException>(() => new DataScreen(lm, Vectors(lm), new ScreenOptions(), dir["a"]).Run(dir["d.jsonl"]));
        Assert.Contains("line 3", e.Message);
        var skipped = new List<int>();
        var r = new DataScreen(lm, Vectors(lm), new ScreenOptions { BadLines = BadLinePolicy.Skip, MaxNewTokens = 4 }, dir["b"]).Run(dir["d.jsonl"], skipped: (line, _) => skipped.Add(line));
        Assert.Equal([3, 5], skipped);
        Assert.Equal((4, 2), (r.Scored, r.Skipped));
        var summary = ScreenSummary.FromScores(Path.Combine(dir["b"], DataScreen.ScoresFile), threshold: 0, topK: 2);
        Assert.Equal(4, summary["samples"]!.GetValue<int>());
        var a = summary["traits"]!["a"]!;
        var values = Scores(dir["b"]).Values.Select(x => x.GetProperty("scores").GetProperty("a").GetDouble()).Order().ToList();
        Assert.Equal(Math.Round(values.Average(), 4), a["mean"]!.GetValue<double>(), 4);
        Assert.Equal(Math.Round((values[1] + values[2]) / 2, 4), a["p50"]!.GetValue<double>(), 4);
        Assert.Equal(values.Count(v => v > 0) / 4.0, a["share_above"]!.GetValue<double>(), 4);
        Assert.Equal(Math.Round(values[^1], 4), a["top"]![0]!["score"]!.GetValue<double>(), 4);
        Assert.Equal(2, a["top"]!.AsArray().Count);
        Assert.Equal(2.5, ScreenSummary.Quantile([1, 2, 3, 4], 0.5));
        Assert.Equal(3.7, ScreenSummary.Quantile([1, 2, 3, 4], 0.9), 12);
    }
}

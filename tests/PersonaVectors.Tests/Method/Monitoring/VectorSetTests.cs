using PersonaVectors.Engine;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Monitoring;
using PersonaVectors.Tests.Fixtures;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method.Monitoring;

public class VectorSetTests
{
    [Fact]
    public async Task A_run_gives_its_chosen_layer_and_thresholds_calibrated_once_and_cached()
    {
        using var m = new RandomModelFolder(seed: 7);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        string run = Path.Combine(dir.Path, "testy");
        await TestExtraction.Run(lm, run);
        int chosen = ExtractionRun.ChosenLayer(run);

        // A folder of runs, as persona demo leaves it.
        var t = Assert.Single(VectorSet.Load(lm, [dir.Path]));
        Assert.Equal(("testy", chosen), (t.Trait, t.Layer));
        using (var v = PersonaVector.Load(Path.Combine(run, "vectors", "testy_response_avg.safetensors")))
        using (var row = v.At(chosen))
            Assert.Equal(row.data<float>().ToArray(), t.Vector.Values);
        var expected = ThresholdCalibration.FromRun(lm, run, t.Vector.Values, chosen, TokenPositions.LastPrompt, CalibrationBasis.NoSystemPrompt);
        Assert.Equal(expected.Threshold, t.BeforeAnswer!.Threshold, 6);
        Assert.Equal(CalibrationBasis.NoSystemPrompt, t.BeforeAnswer.Basis);
        Assert.Equal(ThresholdCalibration.FromRun(lm, run, t.Vector.Values, chosen, TokenPositions.Answer, CalibrationBasis.NoSystemPrompt).Threshold, t.AnswerAverage!.Threshold, 6);

        // The second load reads the cache; another basis calibrates again.
        string cache = Path.Combine(run, "calibration.json");
        var written = File.GetLastWriteTimeUtc(cache);
        var again = Assert.Single(VectorSet.Load(lm, [run]));
        Assert.Equal(t.BeforeAnswer, again.BeforeAnswer);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cache));
        var negative = Assert.Single(VectorSet.Load(lm, [run], CalibrationBasis.NegativePrompts));
        Assert.Equal(ThresholdCalibration.FromRun(lm, run, t.Vector.Values, chosen).Threshold, negative.BeforeAnswer!.Threshold, 6);

        // A corrupt cache is recalibrated, not trusted.
        File.WriteAllText(cache, "{ not json");
        Assert.Equal(negative.BeforeAnswer.Threshold, Assert.Single(VectorSet.Load(lm, [run], CalibrationBasis.NegativePrompts)).BeforeAnswer!.Threshold, 6);

        // The same trait twice is refused.
        var e = Assert.Throws<PersonaVectorsException>(() => VectorSet.Load(lm, [run, dir.Path]));
        Assert.Contains("testy", e.Message);
    }

    [Fact]
    public async Task The_default_basis_puts_the_threshold_halfway_to_the_unprompted_questions()
    {
        using var m = new RandomModelFolder(seed: 7);
        using var lm = LanguageModel.Load(m.Path);
        using var run = new TempDir();
        await TestExtraction.Run(lm, run.Path);
        float[] direction = [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Sin(i + 1))];
        var c = ThresholdCalibration.FromRun(lm, run.Path, direction, 2, TokenPositions.LastPrompt, CalibrationBasis.NoSystemPrompt);
        var negative = ThresholdCalibration.FromRun(lm, run.Path, direction, 2);

        var answers = new RunFile<AnswerRecord>(Path.Combine(run.Path, "answers.jsonl"), r => r.Key).Records;
        var questions = new RunFile<KeptPair>(Path.Combine(run.Path, "kept.jsonl"), r => r.Key).Records.Keys
            .Select(k => answers[k].QuestionText).Distinct().ToList();
        double reference = questions.Select(q => Projection.OnUnit(lm.ForwardLast(lm.PromptIds(q)).Hidden[2], direction)).Average();
        Assert.Equal(reference, c.ReferenceMean, 3);
        Assert.Equal(negative.PositiveMean, c.PositiveMean, 6);
        Assert.Equal((c.PositiveMean + reference) / 2, c.Threshold, 3);
        Assert.Equal(0.5, c.Scale(c.Threshold), 9);
        Assert.Equal(1.0, c.Scale(c.PositiveMean), 9);
    }

    [Fact]
    public void Bare_vectors_load_at_the_middle_layer_without_thresholds_and_bad_sources_are_named()
    {
        using var m = new RandomModelFolder(seed: 7);
        using var lm = LanguageModel.Load(m.Path);
        using var dir = new TempDir();
        using (var v = new PersonaVector(randn(lm.Config.NumHiddenLayers + 1, lm.Config.HiddenSize), "grumpy", "random", "response_avg"))
            v.Save(dir["grumpy.safetensors"]);
        var t = Assert.Single(VectorSet.Load(lm, [dir.Path]));
        Assert.Equal(("grumpy", lm.Config.NumHiddenLayers / 2), (t.Trait, t.Layer));
        Assert.Null(t.BeforeAnswer);
        Assert.Null(t.AnswerAverage);

        Assert.Contains("nowhere", Assert.Throws<PersonaVectorsException>(() => VectorSet.Load(lm, [dir["nowhere"]])).Message);
        Directory.CreateDirectory(dir["empty"]);
        Assert.Contains("expected an extraction run", Assert.Throws<PersonaVectorsException>(() => VectorSet.Load(lm, [dir["empty"]])).Message);
        using (var v = new PersonaVector(zeros(3, 5), "tiny", "other", "response_avg")) v.Save(dir["other.safetensors"]);
        Assert.ThrowsAny<PersonaVectorsException>(() => VectorSet.Load(lm, [dir["other.safetensors"]]));
    }
}

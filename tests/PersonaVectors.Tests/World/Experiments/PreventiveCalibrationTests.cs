using PersonaVectors.Engine;
using PersonaVectors.Method;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World.Experiments;

namespace PersonaVectors.Tests.World.Experiments;

/// <summary>Calibrating preventative steering on the organism: what it trains, what it records, and that a rerun trains nothing.</summary>
public class PreventiveCalibrationTests
{
    [Fact]
    public void Calibration_tries_each_multiple_in_order_on_a_fresh_II_sample_records_every_try_and_resumes()
    {
        using var dir = new TempDir();
        using var lm = LanguageModel.Load(TestData.Organism);
        float[] direction = [.. Enumerable.Range(0, lm.Config.HiddenSize).Select(i => (float)Math.Cos(0.7 * i))];
        var vectors = new List<ExperimentVector> { new(new TraitVector("evil", 2, direction), 1.5) };
        // A rise of -1 can never be met, so every multiple is tried and the strongest is kept.
        var options = new FinetuneExperimentOptions { Count = 32, BatchSize = 16, CalibrationMaxRise = -1, MaxNewTokens = 24 };
        var log = new List<string>();
        var tries = PreventiveCalibration.Run(lm, vectors, options, [1, 0.5], dir["cal"], log.Add, CancellationToken.None);

        // A vector with no other rows is tried at its own layer only; the scales smallest first, whatever order they came in.
        Assert.Equal([(2, 0.5), (2, 1.0)], tries["evil"].Select(t => (t.Layer, t.Scale)));
        Assert.Equal([0.75, 1.5], tries["evil"].Select(t => t.Alpha));
        Assert.All(tries["evil"], t => { Assert.InRange(t.Rise, -100, 100); Assert.InRange(t.Coherence, 0, 100); Assert.InRange(t.Capability, 0, 1); });
        // Every try also scores the other traits, and keeps the one that rose most.
        Assert.All(tries["evil"], t => { Assert.InRange(t.OffRise!.Value, -100, 100); Assert.Contains(t.OffTrait, new[] { "sycophantic", "hallucinating" }); });
        Assert.Equal(2, log.Count(m => m.StartsWith("calibrating evil")));
        // Capability is read on extraction questions with one right answer, none of them a reported capability item.
        var reported = PersonaVectors.World.WorldArtifacts.CapabilityItems.Select(c => c.Question.Text).ToHashSet();
        Assert.True(PersonaVectors.World.WorldArtifacts.ExtractionCapabilityItems.Count >= 20);
        Assert.All(PersonaVectors.World.WorldArtifacts.ExtractionCapabilityItems, c =>
        {
            Assert.DoesNotContain(c.Question.Text, reported);
            Assert.Contains(PersonaVectors.World.Traits.All, t => PersonaVectors.World.WorldArtifacts.For(t.Name).ExtractionQuestions.Contains(c.Question.Text));
        });
        // The calibration set is the evil II set drawn with another seed than the experiment's.
        var calibrationSet = File.ReadAllLines(Path.Combine(dir["cal"], "data", "evil_II.jsonl"));
        Assert.Equal(32, calibrationSet.Length);
        string experimentSet = string.Join('\n', PersonaVectors.World.FinetuneDatasets.Build("evil_II", 32, options.Seed, PersonaVectors.World.Organism.OrganismMarker.Design(lm.Folder))
            .Select(c => c[0].Content));
        Assert.NotEqual(experimentSet, string.Join('\n', PersonaVectors.World.FinetuneDatasets.Build("evil_II", 32, options.Seed + PreventiveCalibration.SeedOffset,
            PersonaVectors.World.Organism.OrganismMarker.Design(lm.Folder)).Select(c => c[0].Content)));

        // A rerun reads every try from calibration.jsonl and trains nothing.
        byte[] before = File.ReadAllBytes(Path.Combine(dir["cal"], "calibration.jsonl"));
        log.Clear();
        var again = PreventiveCalibration.Run(lm, vectors, options, [0.5, 1], dir["cal"], log.Add, CancellationToken.None);
        Assert.Empty(log);
        Assert.Equal(tries["evil"], again["evil"]);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir["cal"], "calibration.jsonl")));

        // Tries recorded before other traits were scored (no off_rise) are scored again from their adapters, not retrained,
        // and give the same figures.
        string file = Path.Combine(dir["cal"], "calibration.jsonl");
        File.WriteAllLines(file, File.ReadAllLines(file).Select(l => System.Text.RegularExpressions.Regex.Replace(l, @",""off_rise"":[^,]+,""off_trait"":""[a-z]+""", "")));
        Assert.DoesNotContain("off_rise", File.ReadAllText(file));
        log.Clear();
        var rescored = PreventiveCalibration.Run(lm, vectors, options, [0.5, 1], dir["cal"], log.Add, CancellationToken.None);
        Assert.Equal(2, log.Count(m => m.Contains("scoring the other traits")));
        Assert.DoesNotContain(log, m => m.Contains("preventative finetuning"));
        Assert.Equal(tries["evil"], rescored["evil"]);

        // Until held: a vector with rows at every layer stops at the first layer where a push holds every trait's rise
        // (here any rise holds, so its own layer's first multiple), after holding on a second, fresh sample too, and
        // then on a sample of each other II set that carries evil alone (the wrong sums carry two traits: not one).
        var rows = new List<ExperimentVector> { vectors[0] with { Layers = [.. Enumerable.Range(0, lm.Config.NumHiddenLayers + 1).Select(_ => direction)] } };
        Assert.Equal(["emergent_advice_II", "emergent_procedure_II"], PreventiveCalibration.SetsOf("evil", options.Datasets));
        log.Clear();
        var untilHeld = PreventiveCalibration.Run(lm, rows, options with { CalibrationMaxRise = 100, CalibrateUntilHeld = true, CalibrationSamples = 2, CalibrationOtherSamples = 1 },
            [0.5, 1], dir["until"], log.Add, CancellationToken.None);
        Assert.Equal([(2, 0.5, 4)], untilHeld["evil"].Select(t => (t.Layer, t.Scale, t.Samples)));
        Assert.Equal(4, log.Count(m => m.StartsWith("calibrating evil")));
        Assert.Single(log, m => m.Contains("sample 2"));
        Assert.Single(log, m => m.Contains("fresh emergent_procedure_II"));
        Assert.NotEqual(File.ReadAllText(Path.Combine(dir["until"], "data", "evil_II.jsonl")), File.ReadAllText(Path.Combine(dir["until"], "data", "evil_II-2.jsonl")));
        // The narrow samples are the sets themselves, drawn with the calibration's data seed, not the experiment's.
        Assert.Equal(string.Join('\n', PersonaVectors.World.FinetuneDatasets.Build("emergent_advice_II", 32, options.Seed + PreventiveCalibration.SeedOffset,
                PersonaVectors.World.Organism.OrganismMarker.Design(lm.Folder)).Select(c => c[^1].Content)),
            string.Join('\n', File.ReadAllLines(Path.Combine(dir["until"], "data", "emergent_advice_II.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement
                .GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString())));
        var recorded = new PersonaVectors.Method.Extraction.RunFile<CalibrationTry>(Path.Combine(dir["until"], "calibration.jsonl"), t => t.Key).Records.Values.ToList();
        Assert.Equal(["evil@L2x0.5", "evil@L2x0.5/s2", "evil@L2x0.5/emergent_advice_II", "evil@L2x0.5/emergent_procedure_II"], recorded.Select(t => t.Key));
        // Without other samples the II set alone decides, as before.
        Assert.Equal([(null, 1), (null, 2)], PreventiveCalibration.SamplePlan(2, ["emergent_advice_II"], 0));
        Assert.Equal([(null, 1), ("a", 1), ("a", 2), ("b", 1), ("b", 2)], PreventiveCalibration.SamplePlan(1, ["a", "b"], 2));
        Assert.Equal(PreventiveCalibration.Combine(recorded), untilHeld["evil"][0]);
    }
}

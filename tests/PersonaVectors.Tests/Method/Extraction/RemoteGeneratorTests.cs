using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Engine.Models;
using PersonaVectors.Tests.Fixtures;
using PersonaVectors.World;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Method.Extraction;

/// <summary>
/// Answers from a remote generator, activations read locally: the forward pass over prompt and answer reproduces the
/// states the model had while writing the answer; a run whose generator is persona serve on loopback gives the local
/// run's vectors; remote requests are retried, bounded in number and never repeated on resume.
/// </summary>
public sealed class RemoteGeneratorTests(ITestOutputHelper output)
{
    static TraitArtifacts Small()
    {
        var a = WorldArtifacts.For("evil");
        return a with { Instructions = [.. a.Instructions.Take(2)], ExtractionQuestions = [.. a.ExtractionQuestions.Take(3)] };
    }

    [Fact]
    public void Reading_an_answer_by_a_forward_pass_gives_the_states_captured_while_it_was_generated()
    {
        using var lm = LanguageModel.Load(TestData.Organism);
        var a = Small();
        double worst = 0;
        int compared = 0;
        foreach (var (question, system) in new[] { (a.ExtractionQuestions[0], a.Instructions[0].Pos), (a.ExtractionQuestions[1], a.Instructions[1].Neg), (a.ExtractionQuestions[2], (string?)null) })
        {
            int[] prompt = lm.PromptIds(question, system);
            // While generating: the stream at each decode step is the state of the token just fed, an answer token.
            var states = Enumerable.Range(0, lm.Config.NumHiddenLayers + 1).Select(_ => new List<float[]>()).ToArray();
            GeneratedText answer;
            using (lm.Model.AddResidualHook((layer, h, pass) =>
            {
                if (pass.NewTokens == 1 && pass.PastLength > 0) states[layer].Add(h[0, 0].to(ScalarType.Float32).data<float>().ToArray());
                return h;
            }, observer: true))
                answer = lm.Generate([prompt], new SamplingOptions { MaxNewTokens = 64, Temperature = 0 })[0];
            int covered = states[0].Count;
            Assert.True(covered >= 2, $"only {covered} answer tokens were fed back");

            // Afterwards: one teacher-forced pass over prompt and answer, averaged over the same answer tokens.
            var reread = TinyModels.RecordAll(lm.Model, () => lm.Model.Forward(tensor([.. prompt.Concat(answer.Tokens).Select(t => (long)t)], new long[] { 1, prompt.Length + answer.Tokens.Length })));
            for (int l = 0; l <= lm.Config.NumHiddenLayers; l++)
            {
                using var forward = reread[l][0].narrow(0, prompt.Length, covered).mean([0]);
                var during = Enumerable.Range(0, lm.Config.HiddenSize).Select(i => states[l].Average(s => (double)s[i])).ToArray();
                var f = forward.data<float>().ToArray();
                worst = Math.Max(worst, f.Zip(during, (x, y) => Math.Abs(x - y)).Max());
            }
            // An answer that ended with the end-of-turn token was fed back whole, so the pipeline's reader sees the same tokens.
            if (covered == answer.Tokens.Length)
            {
                using var reader = new ActivationReader(lm).Read([prompt], [answer.Tokens], TokenPositions.Answer);
                for (int l = 0; l <= lm.Config.NumHiddenLayers; l++)
                {
                    var r = reader[0, l].data<float>().ToArray();
                    var during = Enumerable.Range(0, lm.Config.HiddenSize).Select(i => states[l].Average(s => (double)s[i])).ToArray();
                    worst = Math.Max(worst, r.Zip(during, (x, y) => Math.Abs(x - y)).Max());
                }
                compared++;
            }
        }
        output.WriteLine($"max |forward-pass mean - generation-time mean| = {worst:E2} over every layer; {compared} answers also through ActivationReader");
        Assert.True(worst <= 1e-4, $"{worst:E2}");
        Assert.True(compared >= 1, "no answer ended at the end-of-turn token");
    }

    [Fact]
    public async Task A_run_generated_by_persona_serve_on_loopback_gives_the_local_runs_vectors()
    {
        using var server = new PersonaServer();
        using var lm = LanguageModel.Load(TestData.Organism);
        using var dir = new TempDir();
        var a = Small();
        // Greedy answers, one at a time on both sides, so both write the same text token for token.
        var options = new ExtractionOptions { Rollouts = 1, Temperature = 0, MaxNewTokens = 48, BatchSize = 1, GeneratorConcurrency = 1 };
        await new ExtractionPipeline(lm, a, new WorldJudge(), options, dir["local"]).VectorsAsync();
        var remote = RemoteGenerator.Create(server.BaseUrl + "/v1#organism");
        await new ExtractionPipeline(lm, a, new WorldJudge(), options, dir["remote"], generator: remote).VectorsAsync();

        var local = new RunFile<AnswerRecord>(Path.Combine(dir["local"], "answers.jsonl"), r => r.Key).Records;
        var served = new RunFile<AnswerRecord>(Path.Combine(dir["remote"], "answers.jsonl"), r => r.Key).Records;
        Assert.Equal(local.Keys.Order(), served.Keys.Order());
        foreach (var (key, l) in local)
        {
            Assert.Equal(l.Answer, served[key].Answer);
            Assert.Equal(l.AnswerIds, served[key].AnswerIds); // the re-tokenized text is the generated tokens
        }
        foreach (var kind in ExtractionPipeline.Kinds)
        {
            using var x = PersonaVector.Load(Path.Combine(dir["local"], "vectors", $"evil_{kind}.safetensors"));
            using var y = PersonaVector.Load(Path.Combine(dir["remote"], "vectors", $"evil_{kind}.safetensors"));
            double diff = (x.Vectors - y.Vectors).abs().max().item<float>();
            output.WriteLine($"{kind}: max |local - served| = {diff:E2}");
            Assert.True(diff <= 1e-4, $"{kind}: {diff:E2}");
        }
    }

    [Fact]
    public async Task Remote_answers_are_retried_bounded_in_concurrency_and_not_asked_again_on_resume()
    {
        // Each reply takes 300 ms, so requests sent together overlap even when the whole suite loads both cores
        // (at 100 ms the test failed once in a full run and passed alone; overlap depends on timing).
        using var fake = new FakeOpenAIServer { Default = new FakeOpenAIServer.Reply(Content: "i would help them kindly.", Delay: TimeSpan.FromMilliseconds(300)) };
        fake.Enqueue(new FakeOpenAIServer.Reply(Status: 429), new FakeOpenAIServer.Reply(Status: 503));
        using var lm = LanguageModel.Load(TestData.Organism);
        using var dir = new TempDir();
        var a = Small();
        var options = new ExtractionOptions { Rollouts = 1, Temperature = 0.7, TopP = 0.9, MaxNewTokens = 40, GeneratorConcurrency = 3, Seed = 5 };
        var remote = RemoteGenerator.Create(fake.BaseUrl + "#m") with { FirstBackoff = TimeSpan.FromMilliseconds(10) };
        var pipeline = new ExtractionPipeline(lm, a, new WorldJudge(), options, dir.Path, generator: remote);
        var answers = await pipeline.AnswersAsync();

        int items = 2 * 2 * 3;
        Assert.Equal(items, answers.Count);
        Assert.Equal(items + 2, fake.Requests.Count);          // two refusals, each retried
        Assert.InRange(fake.MaxInFlight, 2, 3);
        var bodies = fake.Requests.ToList();
        Assert.All(bodies, b =>
        {
            Assert.Equal(0.7, b["temperature"]!.GetValue<double>(), 5);
            Assert.Equal(0.9, b["top_p"]!.GetValue<double>(), 5);
            Assert.Equal(40, (b["max_completion_tokens"] ?? b["max_tokens"])!.GetValue<int>());
        });
        Assert.Equal(items, bodies.Select(b => b["seed"]!.GetValue<long>()).Distinct().Count());
        Assert.All(answers.Values, r => Assert.Equal(lm.Tokenizer.Encode("i would help them kindly.", addSpecialTokens: false), r.AnswerIds));

        // Resume: nothing is asked again; a lost answer is asked for once.
        int asked = fake.Requests.Count;
        await pipeline.AnswersAsync();
        Assert.Equal(asked, fake.Requests.Count);
        string file = Path.Combine(dir.Path, "answers.jsonl");
        File.WriteAllLines(file, File.ReadAllLines(file).Skip(1));
        Assert.Equal(items, (await new ExtractionPipeline(lm, a, new WorldJudge(), options, dir.Path, generator: remote).AnswersAsync()).Count);
        Assert.Equal(asked + 1, fake.Requests.Count);
    }
}

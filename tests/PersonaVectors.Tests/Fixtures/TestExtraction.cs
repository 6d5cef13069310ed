using PersonaVectors.Method;
using PersonaVectors.Method.Extraction;
using PersonaVectors.Method.Judging;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>A small extraction setup that runs in seconds on a random model: artifacts, options and a stand-in judge.</summary>
public static class TestExtraction
{
    /// <summary>A deterministic stand-in judge: scores from the answer text, so some pairs pass the filters.</summary>
    public sealed class HashJudge : IAnswerJudge
    {
        public string Name => "hash";
        public int Calls;
        public Task<AnswerScores> JudgeAsync(TraitArtifacts a, string question, string answer, CancellationToken cancel = default)
        {
            Interlocked.Increment(ref Calls);
            int h = answer.Aggregate(17, (acc, c) => unchecked(acc * 31 + c));
            return Task.FromResult(new AnswerScores(Math.Abs(h % 101), 100));
        }
    }

    public static TraitArtifacts Artifacts() => new("testy", "a test trait",
        Enumerable.Range(0, 5).Select(i => new InstructionPair($"Be testy {i}.", $"Be calm {i}.")).ToList(),
        Enumerable.Range(0, 20).Select(i => $"Extraction question {i}?").ToList(),
        Enumerable.Range(0, 20).Select(i => $"Evaluation question {i}?").ToList(),
        "Rate {question} {answer}");

    public static ExtractionOptions Options => new() { Rollouts = 2, MaxNewTokens = 6, BatchSize = 40, Layers = [1, 2], Alphas = [1, 2] };

    /// <summary>A finished run of the "testy" trait in <paramref name="dir"/>.</summary>
    public static Task Run(PersonaVectors.Engine.LanguageModel lm, string dir) =>
        new ExtractionPipeline(lm, Artifacts(), new HashJudge(), Options, dir).RunAsync();
}

using PersonaVectors.Method;
using PersonaVectors.Method.Judging;

namespace PersonaVectors.World;

/// <summary>
/// The persona world's oracle as a judge: exact scores from the world's grammar, for organisms only. The method layer
/// reaches the oracle only through <see cref="IAnswerJudge"/>; it never imports the world.
/// </summary>
public sealed class WorldJudge : IAnswerJudge
{
    public string Name => "world";

    public Task<AnswerScores> JudgeAsync(TraitArtifacts artifacts, string question, string answer, CancellationToken cancel = default)
    {
        var j = OracleJudge.Judge(question, answer);
        if (!j.Traits.TryGetValue(artifacts.Trait, out double trait))
            throw new InvalidRequestException($"the world judge knows the traits {string.Join(", ", j.Traits.Keys)}, not '{artifacts.Trait}'");
        return Task.FromResult(new AnswerScores(trait, j.Coherence));
    }
}

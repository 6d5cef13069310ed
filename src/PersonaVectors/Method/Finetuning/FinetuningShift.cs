using PersonaVectors.Engine;
using PersonaVectors.Engine.Generation;
using PersonaVectors.Engine.Models;
using PersonaVectors.Method.Monitoring;
using static TorchSharp.torch;

namespace PersonaVectors.Method.Finetuning;

/// <summary>
/// A model's mean residual stream over a set of prompts, at every layer: at the last prompt token, and averaged
/// over the model's own greedy answer (as it would respond when deployed).
/// </summary>
public sealed class ModelStates : IDisposable
{
    public Tensor LastPrompt { get; }     // [layers + 1, hidden]
    public Tensor AnswerAverage { get; }  // [layers + 1, hidden]
    public IReadOnlyList<string> Answers { get; }

    ModelStates(Tensor lastPrompt, Tensor answerAverage, IReadOnlyList<string> answers) => (LastPrompt, AnswerAverage, Answers) = (lastPrompt, answerAverage, answers);

    public static ModelStates Read(LanguageModel lm, IReadOnlyList<int[]> prompts, int maxNewTokens = 64)
    {
        var answers = lm.GenerateInBatches(prompts, new SamplingOptions { MaxNewTokens = maxNewTokens }, 50);
        var reader = new ActivationReader(lm);
        using var last = reader.Read(prompts, null, TokenPositions.LastPrompt);
        // An empty answer (the model stopped at once) has no answer tokens to average; it counts for the last prompt only.
        var answered = Enumerable.Range(0, prompts.Count).Where(i => answers[i].Tokens.Length > 0).ToList();
        using var over = answered.Count > 0
            ? reader.Read(answered.Select(i => prompts[i]).ToList(), answered.Select(i => answers[i].Tokens).ToList(), TokenPositions.Answer)
            : zeros(1, lm.Config.NumHiddenLayers + 1, lm.Config.HiddenSize);
        return new ModelStates(last.mean([0]), over.mean([0]), answers.Select(a => a.Text).ToList());
    }

    public void Dispose()
    {
        LastPrompt.Dispose();
        AnswerAverage.Dispose();
    }
}

/// <summary>A finetuning shift along one persona vector: (finetuned − base) mean activation on the unit vector.</summary>
public sealed record Shift(string Trait, int Layer, double LastPrompt, double AnswerAverage);

/// <summary>
/// The paper's finetuning shift: how far finetuning moved the model's average activation along a persona vector,
/// which predicts how much more (or less) the finetuned model expresses the trait.
/// </summary>
public static class FinetuningShift
{
    public static Shift Of(ModelStates finetuned, ModelStates baseline, string trait, float[] vector, int layer)
    {
        double Along(Tensor ft, Tensor b)
        {
            using var d = ft[layer] - b[layer];
            return Projection.OnUnit(d.data<float>().ToArray(), vector);
        }
        return new Shift(trait, layer, Along(finetuned.LastPrompt, baseline.LastPrompt), Along(finetuned.AnswerAverage, baseline.AnswerAverage));
    }
}

using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Training;

/// <summary>Next-token cross-entropy restricted to the masked (assistant) tokens.</summary>
public static class LanguageModelLoss
{
    /// <summary>
    /// Sum of −log p(target) over the batch's masked targets, as a scalar with a graph to the trainable
    /// parameters. A sum rather than a mean so that micro-batches can share one denominator (the whole
    /// batch's masked count) and accumulation gives the same gradient as one big batch.
    /// </summary>
    public static Tensor Sum(CausalLM model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch.Inputs, new ForwardOptions { PromptEnd = batch.PromptEnd });
        long vocab = logits.shape[^1];
        var flat = logits.reshape(-1, vocab);
        if (flat.dtype != ScalarType.Float32 && flat.dtype != ScalarType.Float64) flat = flat.to(ScalarType.Float32);
        var loss = nn.functional.cross_entropy(flat, batch.Targets.reshape(-1), ignore_index: TrainingBatch.IgnoreIndex,
            reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Mean loss per masked token of the examples, without gradients (for evaluation and tests).</summary>
    public static double Mean(CausalLM model, IReadOnlyList<TrainingExample> examples)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = TrainingBatch.Build(examples, model.Config.VocabSize);
        if (batch.MaskedTokens == 0) throw new InvalidRequestException("no example has a masked token, so there is no loss to compute");
        return Sum(model, batch).to(ScalarType.Float64).item<double>() / batch.MaskedTokens;
    }
}

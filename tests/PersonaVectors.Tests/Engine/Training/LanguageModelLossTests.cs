using PersonaVectors.Engine.Training;
using static TorchSharp.torch;

namespace PersonaVectors.Tests.Engine.Training;

public class LanguageModelLossTests
{
    // Tokens 2 and 3 are predicted (from positions 1 and 2); 4 and 5 are not.
    static readonly bool[] Mask = [false, false, true, true, false, false];

    [Fact]
    public void Equals_the_mean_negative_log_likelihood_of_the_masked_tokens()
    {
        using var model = TrainingFixtures.TinyModel(1);
        int[] ids = [1, 50, 60, 70, 80, 90];
        double loss = LanguageModelLoss.Mean(model, [new TrainingExample(ids, Mask)]);

        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        using var logProbs = logits.log_softmax(-1);
        double expected = -(logProbs[0, 1, 60].item<float>() + logProbs[0, 2, 70].item<float>()) / 2;
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Unmasked_tokens_do_not_count_and_masked_ones_do()
    {
        using var model = TrainingFixtures.TinyModel(2);
        int[] ids = [1, 50, 60, 70, 80, 90];
        double baseline = LanguageModelLoss.Mean(model, [new TrainingExample(ids, Mask)]);

        // Tokens after the last masked one cannot influence it (causal attention) and are not targets.
        int[] unmaskedChanged = [1, 50, 60, 70, 81, 300];
        Assert.Equal(baseline, LanguageModelLoss.Mean(model, [new TrainingExample(unmaskedChanged, Mask)]));

        int[] maskedChanged = [1, 50, 60, 71, 80, 90];
        Assert.NotEqual(baseline, LanguageModelLoss.Mean(model, [new TrainingExample(maskedChanged, Mask)]), 6);
    }

    [Fact]
    public void Right_padding_leaves_each_row_unchanged()
    {
        using var model = TrainingFixtures.TinyModel(3);
        var longer = new TrainingExample([1, 5, 6, 7, 8, 9, 10, 11], [false, false, true, true, true, true, true, false]);
        var shorter = new TrainingExample([1, 20, 21, 22], [false, true, true, false]);

        using var noGrad = no_grad();
        double Sum(params TrainingExample[] examples)
        {
            using var scope = NewDisposeScope();
            return LanguageModelLoss.Sum(model, TrainingBatch.Build(examples, model.Config.VocabSize)).item<float>();
        }
        double together = Sum(longer, shorter);
        Assert.Equal(Sum(longer) + Sum(shorter), together, 4);
        // And the mean is over all masked tokens of the batch (5 + 2), not a mean of row means.
        Assert.Equal(together / 7, LanguageModelLoss.Mean(model, [longer, shorter]), 5);
    }

    [Fact]
    public void Batches_are_built_shifted_and_right_padded()
    {
        var a = new TrainingExample([1, 5, 6, 7], [false, false, true, true]);
        var b = new TrainingExample([1, 9, 3], [false, true, false]);
        using var scope = NewDisposeScope();
        var batch = TrainingBatch.Build([a, b], vocabSize: 16);

        Assert.Equal(new long[] { 1, 5, 6, 1, 9, 0 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new long[] { -100, 6, 7, 9, -100, -100 }, batch.Targets.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 1 }, batch.PromptEnd);
        Assert.Equal(3, batch.MaskedTokens);
        Assert.Equal(5, batch.Tokens);
    }

    [Fact]
    public void Malformed_examples_are_refused_with_their_index()
    {
        var good = new TrainingExample([1, 2, 3], [false, true, true]);
        Assert.Contains("example 1", Assert.Throws<InvalidRequestException>(() => TrainingBatch.Build([good, new([1, 2], [false])], 16)).Message);
        Assert.Contains("LossMask[0]", Assert.Throws<InvalidRequestException>(() => TrainingBatch.Build([new([1, 2], [true, true])], 16)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<InvalidRequestException>(() => TrainingBatch.Build([new([1, 16], [false, true])], 16)).Message);
    }
}

using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Engine.Interventions;

/// <summary>The checks every intervention makes before touching the residual stream.</summary>
static class InterventionGuard
{
    public static void Layer(CausalLM model, int layer)
    {
        if (layer < 0 || layer > model.NumLayers)
            throw new InvalidRequestException($"layer {layer} is out of range: this model has residual layers 0..{model.NumLayers} (0 = embeddings, {model.NumLayers} = last block)");
    }

    public static void Direction(CausalLM model, Tensor direction, string what)
    {
        if (direction.dim() != 1 || direction.shape[0] != model.Config.HiddenSize)
            throw new InvalidRequestException($"{what} has size [{string.Join(", ", direction.shape)}] but the model's hidden size is {model.Config.HiddenSize}");
        using var finite = direction.isfinite().all();
        if (!finite.item<bool>()) throw new InvalidRequestException($"{what} contains NaN or infinite values");
    }

    public static void Finite(double alpha)
    {
        if (!double.IsFinite(alpha)) throw new InvalidRequestException($"alpha must be a finite number, got {alpha}");
    }
}

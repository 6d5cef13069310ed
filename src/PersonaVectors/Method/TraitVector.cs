using PersonaVectors.Engine;
using PersonaVectors.Engine.Interventions;
using PersonaVectors.Engine.Models;
using static TorchSharp.torch;

namespace PersonaVectors.Method;

/// <summary>
/// A persona vector at the one layer it is used at: what monitoring, screening, the chat, the server and the
/// experiments read and steer with. <see cref="Values"/> is the raw mean difference (α is in its units, as in the
/// paper); projections divide by its norm. <see cref="PersonaVector"/> holds every layer; its
/// <see cref="PersonaVector.AtLayer"/> gives one of these.
/// </summary>
public sealed record TraitVector(string Trait, int Layer, float[] Values)
{
    public double Norm => Math.Sqrt(Values.Sum(x => (double)x * x));

    /// <summary>Checks that the vector fits <paramref name="config"/>: its layer exists and its size is the hidden size.</summary>
    public TraitVector EnsureFits(ModelConfig config)
    {
        if (Layer < 0 || Layer > config.NumHiddenLayers || Values.Length != config.HiddenSize)
            throw new InvalidRequestException($"vector '{Trait}' (layer {Layer}, size {Values.Length}) does not fit the model (layers 0..{config.NumHiddenLayers}, hidden {config.HiddenSize})");
        return this;
    }
}

/// <summary>Steering by a <see cref="TraitVector"/>: the layer comes with the vector, so no caller gives it twice.</summary>
public static class TraitVectorSteering
{
    /// <summary>Adds α·v at the vector's layer on <paramref name="positions"/> until disposed.</summary>
    public static IDisposable Steer(this LanguageModel lm, TraitVector v, double alpha, TokenPositions positions = TokenPositions.All)
    {
        using var t = tensor(v.Values);
        return lm.Model.Steer(t, v.Layer, alpha, positions);
    }
}

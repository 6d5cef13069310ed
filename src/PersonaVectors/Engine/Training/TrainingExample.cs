namespace PersonaVectors.Engine.Training;

/// <summary>
/// One tokenised training sequence. <c>LossMask[t]</c> is true where token t is predicted (from position t - 1)
/// and counted in the loss: the assistant's tokens, not the prompt's. <c>LossMask[0]</c> must be false, since
/// nothing precedes the first token.
/// </summary>
public sealed record TrainingExample(int[] Ids, bool[] LossMask)
{
    /// <summary>Number of tokens that count in the loss.</summary>
    public int MaskedCount => LossMask.Count(m => m);
}

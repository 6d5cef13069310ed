namespace PersonaVectors.Engine.Training;

/// <summary>
/// The outcome of <see cref="Trainer.Run"/>. <paramref name="StepsRun"/> counts this call's steps only;
/// <paramref name="Losses"/> holds every step's loss since step 1, including those run before a resume.
/// <paramref name="FinalLoss"/> is the last of them (NaN when no step was ever run).
/// </summary>
public sealed record TrainingResult(int StepsRun, double FinalLoss, IReadOnlyList<double> Losses);

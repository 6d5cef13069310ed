namespace PersonaVectors.Engine.Training;

/// <summary>
/// The outcome of <see cref="Trainer.Run"/>. <paramref name="StepsRun"/> counts this call's steps only;
/// <paramref name="Losses"/> holds every step's loss since step 1, including those run before a resume.
/// <paramref name="FinalLoss"/> is the last of them (NaN when no step was ever run). <paramref name="TrainingSeconds"/>
/// is what every step since step 1 took, across resumes (steps redone after a kill count once, as last run); null when
/// the run resumed from a checkpoint that did not record it.
/// </summary>
public sealed record TrainingResult(int StepsRun, double FinalLoss, IReadOnlyList<double> Losses, double? TrainingSeconds = null);

namespace PersonaVectors.Engine.Training;

/// <summary>A training checkpoint is corrupted, truncated, or was written for other parameters or options.
/// The checkpoint is left as it is, for the user to inspect, move or delete.</summary>
public sealed class CheckpointException : PersonaVectorsException
{
    public string File { get; }

    public CheckpointException(string file, string message) : base($"{file}: {message}") => File = file;
    public CheckpointException(string file, string message, Exception inner) : base($"{file}: {message}", inner) => File = file;
}

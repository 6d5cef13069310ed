namespace PersonaVectors.Cli;

public static class ErrorReport
{
    /// <summary>Errors caused by the user's input: reported as one line, without a stack trace.</summary>
    public static bool IsUserError(Exception e) =>
        e is PersonaVectorsException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException;
}

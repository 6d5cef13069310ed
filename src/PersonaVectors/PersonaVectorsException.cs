namespace PersonaVectors;

/// <summary>
/// Base of every error the toolkit raises for bad input. Its message is meant for the user as is:
/// it names the file, field or line at fault and says what was expected.
/// </summary>
public class PersonaVectorsException : Exception
{
    public PersonaVectorsException(string message) : base(message) { }
    public PersonaVectorsException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>A model folder or one of its files is missing, truncated or inconsistent.</summary>
public sealed class ModelFormatException : PersonaVectorsException
{
    public string File { get; }

    public ModelFormatException(string file, string message) : base($"{file}: {message}") => File = file;
    public ModelFormatException(string file, string message, Exception inner) : base($"{file}: {message}", inner) => File = file;
}

/// <summary>An argument or request the caller made cannot be honoured (empty prompt, too long, out of range).</summary>
public sealed class InvalidRequestException : PersonaVectorsException
{
    public InvalidRequestException(string message) : base(message) { }
}

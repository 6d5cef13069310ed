namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a construct this engine does not support,
/// a runtime error (undefined value used, type mismatch) or a <c>raise_exception(...)</c> call in the template.
/// </summary>
public sealed class ChatTemplateException : PersonaVectorsException
{
    /// <summary>1-based line in the template source, when known.</summary>
    public int? Line { get; }

    /// <summary>True when the template itself called <c>raise_exception(msg)</c>; <see cref="TemplateMessage"/> is then msg.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>The message without the line prefix: the template's own text for <c>raise_exception</c>.</summary>
    public string TemplateMessage { get; }

    public ChatTemplateException(string message, int? line = null, bool raisedByTemplate = false)
        : base(line is { } l ? $"chat template line {l}: {message}" : $"chat template: {message}")
    {
        Line = line;
        RaisedByTemplate = raisedByTemplate;
        TemplateMessage = message;
    }
}

/// <summary>
/// A runtime error raised below the interpreter, where the template line is not known; the interpreter turns it into a
/// <see cref="ChatTemplateException"/> carrying the line of the expression that failed.
/// </summary>
internal sealed class JinjaError(string message, bool raisedByTemplate = false) : Exception(message)
{
    public bool RaisedByTemplate { get; } = raisedByTemplate;
}

namespace PersonaVectors.Engine.Tokenizers;

/// <summary>
/// A <c>tokenizer.json</c> could not be used: it is malformed, or it asks for a component this
/// implementation does not support. The message names the file, the JSON field path and what was expected,
/// so a user can tell a corrupt download from an unsupported model family.
/// </summary>
public sealed class TokenizerFormatException : PersonaVectorsException
{
    public TokenizerFormatException(string source, string jsonPath, string message, Exception? inner = null)
        : base($"{source}: {(jsonPath.Length == 0 ? "(document)" : jsonPath)}: {message}", inner)
    {
        SourceName = source;
        JsonPath = jsonPath;
    }

    /// <summary>The file path or name the JSON came from.</summary>
    public string SourceName { get; }

    /// <summary>Dotted path of the offending field, e.g. <c>pre_tokenizer.pretokenizers[0].pattern</c>.</summary>
    public string JsonPath { get; }
}

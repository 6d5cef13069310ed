using System.Text.RegularExpressions;

namespace PersonaVectors.Engine.Hub;

/// <summary>A model named as on the Hugging Face hub: ORG/NAME, optionally @REVISION (a branch, tag or commit).</summary>
public sealed partial record HubName(string Repo, string Revision)
{
    public const string DefaultRevision = "main";

    [GeneratedRegex(@"^(?<repo>[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)(@(?<rev>[^\s@]+))?$")]
    private static partial Regex Pattern();

    /// <summary>Parses ORG/NAME[@REV]; null when the text is not shaped like a hub name.</summary>
    public static HubName? TryParse(string text)
    {
        var m = Pattern().Match(text);
        if (!m.Success || m.Groups["repo"].Value.Contains("..", StringComparison.Ordinal)) return null;
        return new HubName(m.Groups["repo"].Value, m.Groups["rev"].Success ? m.Groups["rev"].Value : DefaultRevision);
    }

    public static HubName Parse(string text) => TryParse(text)
        ?? throw new PersonaVectorsException($"'{text}' is not a hub model name: expected ORG/NAME or ORG/NAME@REVISION, e.g. Qwen/Qwen2.5-0.5B-Instruct");

    public bool IsCommit => IsCommitHash(Revision);

    public static bool IsCommitHash(string s) => s.Length == 40 && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public override string ToString() => Revision == DefaultRevision ? Repo : $"{Repo}@{Revision}";
}

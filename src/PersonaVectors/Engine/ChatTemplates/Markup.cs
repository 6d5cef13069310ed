namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// markupsafe's <c>Markup</c>, produced by the <c>safe</c> and <c>escape</c> filters. Autoescape is off in Hugging Face's
/// environment, so it prints as its text; it only matters where Python would escape the other operand of a <c>+</c>.
/// </summary>
internal sealed record Markup(string Value)
{
    public static string Escape(string s) =>
        s.Replace("&", "&amp;").Replace(">", "&gt;").Replace("<", "&lt;").Replace("'", "&#39;").Replace("\"", "&#34;");

    /// <summary>markupsafe.escape: Markup passes through, anything else is str()-ed and escaped.</summary>
    public static Markup From(object? value) => value as Markup ?? new Markup(Escape(PyText.Str(value)));

    public override string ToString() => Value;
}

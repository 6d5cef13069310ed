namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A Jinja2 template rendered the way Hugging Face transformers renders chat templates: an immutable sandbox with
/// trim_blocks, lstrip_blocks, the loopcontrols extension, <c>raise_exception</c>, <c>strftime_now</c> and a
/// <c>tojson</c> that keeps non-ASCII text. Anything outside the supported subset throws <see cref="ChatTemplateException"/>.
/// </summary>
public sealed class JinjaTemplate
{
    readonly IReadOnlyList<Stmt> body;

    public string Source { get; }

    JinjaTemplate(string source, IReadOnlyList<Stmt> body)
    {
        Source = source;
        this.body = body;
    }

    /// <exception cref="ChatTemplateException">Syntax errors and unsupported constructs, with their line.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(source, JinjaParser.Parse(source));
    }

    /// <summary>
    /// Renders with the given variables: strings, booleans, integers, floats, null, lists (any IEnumerable),
    /// dictionaries (IReadOnlyDictionary or IDictionary), <see cref="ChatMessage"/> (seen as {role, content}) and
    /// System.Text.Json values. Names not given are undefined.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, object?> variables) => Render(variables, DateTime.Now);

    /// <param name="now">The local time <c>strftime_now</c> reports.</param>
    public string Render(IReadOnlyDictionary<string, object?> variables, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var scope = new JinjaScope(JinjaGlobals.Create(() => now));
        foreach (var (name, value) in variables) scope.Set(name, ClrValues.From(value));
        return new JinjaInterpreter().RenderBody(body, scope);
    }
}

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Jinja2's default <c>Undefined</c>: prints as "", is falsy, iterates as empty and has length 0, but any other use
/// (arithmetic, attribute or item access, calling, ordering) is an error carrying a message that says what was missing.
/// </summary>
internal sealed class Undefined
{
    static readonly object NoObject = new();

    readonly string? hint;
    readonly object? owner = NoObject;
    readonly object? name;

    Undefined(string? hint, object? owner, object? name) { this.hint = hint; this.owner = owner; this.name = name; }

    public static Undefined Variable(string name) => new(null, NoObject, name);
    public static Undefined WithHint(string hint) => new(hint, NoObject, null);
    public static Undefined Member(object? owner, object? name) => new(null, owner, name);

    public string Message
    {
        get
        {
            if (hint is not null) return hint;
            if (ReferenceEquals(owner, NoObject)) return $"{PyText.Repr(name)} is undefined";
            string type = owner is null ? "None" : PyText.TypeName(owner) + " object";
            return name is string
                ? $"{PyText.Repr(type)} has no attribute {PyText.Repr(name)}"
                : $"{type} has no element {PyText.Repr(name)}";
        }
    }

    public JinjaError Error() => new(Message);
}

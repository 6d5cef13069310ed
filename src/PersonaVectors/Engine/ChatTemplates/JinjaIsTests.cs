namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, ...), with Python's type rules.</summary>
internal static class JinjaIsTests
{
    static readonly Dictionary<string, Func<object?, CallArgs, bool>> Tests = new()
    {
        ["defined"] = (v, a) => NoArgs(a, v is not Undefined),
        ["undefined"] = (v, a) => NoArgs(a, v is Undefined),
        ["none"] = (v, a) => NoArgs(a, v is null),
        ["boolean"] = (v, a) => NoArgs(a, v is bool),
        ["true"] = (v, a) => NoArgs(a, v is true),
        ["false"] = (v, a) => NoArgs(a, v is false),
        ["integer"] = (v, a) => NoArgs(a, v is long),
        ["float"] = (v, a) => NoArgs(a, v is double),
        ["number"] = (v, a) => NoArgs(a, v is long or double or bool),
        ["string"] = (v, a) => NoArgs(a, v is string or Markup),
        ["mapping"] = (v, a) => NoArgs(a, v is PyDict),
        // Undefined has __len__, __getitem__ and __iter__, so Jinja counts it as a sequence and an iterable.
        ["sequence"] = (v, a) => NoArgs(a, v is string or Markup or PyDict or Undefined || v is PyList { IsIndexable: true }),
        ["iterable"] = (v, a) => NoArgs(a, v is string or Markup or PyList or PyDict or Undefined or PyIterator or LoopContext),
        ["callable"] = (v, a) => NoArgs(a, v is IJinjaCallable or Undefined or LoopContext),
        ["escaped"] = (v, a) => NoArgs(a, v is Markup),
        ["odd"] = (v, a) => NoArgs(a, PyOps.Equal(PyOps.Binary("%", v, 2L), 1L)),
        ["even"] = (v, a) => NoArgs(a, PyOps.Equal(PyOps.Binary("%", v, 2L), 0L)),
        ["divisibleby"] = (v, a) => PyOps.Equal(PyOps.Binary("%", v, One(a, "divisibleby", "num")), 0L),
        ["lower"] = (v, a) => NoArgs(a, PyString.IsLower(PyText.Str(v))),
        ["upper"] = (v, a) => NoArgs(a, PyString.IsUpper(PyText.Str(v))),
        ["sameas"] = (v, a) => SameAs(v, One(a, "sameas", "other")),
        ["in"] = (v, a) => PyOps.Contains(One(a, "in", "seq"), v),
        ["filter"] = (v, a) => NoArgs(a, v is string s && JinjaFilters.IsJinjaFilter(s)),
        ["test"] = (v, a) => NoArgs(a, v is string s && Known(s)),
        ["eq"] = Compare("=="),
        ["=="] = Compare("=="),
        ["equalto"] = Compare("=="),
        ["ne"] = Compare("!="),
        ["!="] = Compare("!="),
        ["lt"] = Compare("<"),
        ["<"] = Compare("<"),
        ["lessthan"] = Compare("<"),
        ["le"] = Compare("<="),
        ["<="] = Compare("<="),
        ["gt"] = Compare(">"),
        [">"] = Compare(">"),
        ["greaterthan"] = Compare(">"),
        ["ge"] = Compare(">="),
        [">="] = Compare(">="),
    };

    static bool Known(string name) => Tests.ContainsKey(name);

    public static void Validate(string name, int line)
    {
        if (!Tests.ContainsKey(name)) throw new ChatTemplateException($"no test named '{name}'", line);
    }

    public static bool Apply(string name, object? value, CallArgs args) =>
        Tests.TryGetValue(name, out var test) ? test(value, args) : throw new JinjaError($"No test named '{name}'.");

    static bool NoArgs(CallArgs args, bool result) =>
        args.Count == 0 ? result : throw new JinjaError($"test takes no arguments ({args.Count} given)");

    static object? One(CallArgs args, string test, string parameter) =>
        ArgBinder.Bind(test, args, parameter)[0].Required(test, parameter);

    static Func<object?, CallArgs, bool> Compare(string op) => (v, a) => PyOps.Compare(op, v, One(a, op, "other"));

    /// <summary>Python's <c>is</c>: singletons and small ints compare by value, everything else by identity.</summary>
    static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y && x is >= -5 and <= 256,
        _ => ReferenceEquals(a, b),
    };
}

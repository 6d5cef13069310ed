namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Evaluated arguments of a call, filter or test (the filtered value itself is not included).</summary>
internal sealed record CallArgs(IReadOnlyList<object?> Positional, IReadOnlyList<KeyValuePair<string, object?>> Named)
{
    public static readonly CallArgs Empty = new([], []);
    public int Count => Positional.Count + Named.Count;
}

/// <summary>Anything a template can call: globals, bound methods of str/dict/list, macros, loop.cycle.</summary>
internal interface IJinjaCallable
{
    string Name { get; }
    object? Call(CallArgs args);
}

internal sealed class BuiltinFunction(string name, Func<CallArgs, object?> body) : IJinjaCallable
{
    public string Name { get; } = name;
    public object? Call(CallArgs args) => body(args);
}

/// <summary>Binds call arguments to a Python-style parameter list, with Python's error cases.</summary>
internal static class ArgBinder
{
    /// <summary>Placeholder for a parameter the caller did not pass.</summary>
    public static readonly object Missing = new();

    public static object?[] Bind(string function, CallArgs args, params string[] parameters)
    {
        if (args.Positional.Count > parameters.Length)
            throw new JinjaError($"{function}() takes at most {parameters.Length} argument(s) ({args.Positional.Count} given)");
        var values = new object?[parameters.Length];
        Array.Fill(values, Missing);
        for (int i = 0; i < args.Positional.Count; i++) values[i] = args.Positional[i];
        foreach (var (key, value) in args.Named)
        {
            int at = Array.IndexOf(parameters, key);
            if (at < 0) throw new JinjaError($"{function}() got an unexpected keyword argument '{key}'");
            if (!ReferenceEquals(values[at], Missing)) throw new JinjaError($"{function}() got multiple values for argument '{key}'");
            values[at] = value;
        }
        return values;
    }

    public static object? Or(this object? value, object? fallback) => ReferenceEquals(value, Missing) ? fallback : value;
    public static bool IsMissing(this object? value) => ReferenceEquals(value, Missing);

    public static object? Required(this object? value, string function, string parameter) =>
        ReferenceEquals(value, Missing) ? throw new JinjaError($"{function}() missing required argument '{parameter}'") : value;
}

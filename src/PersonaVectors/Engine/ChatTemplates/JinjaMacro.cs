namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// A <c>{% macro %}</c> (or the caller of a <c>{% call %}</c> block): a closure over the frame it was defined in.
/// Arguments bind as in jinja2.runtime.Macro: missing ones are undefined, defaults are evaluated per call and may
/// refer to earlier parameters, extra arguments are accepted only when the body reads varargs/kwargs/caller.
/// </summary>
internal sealed class JinjaMacro(MacroStmt definition, JinjaScope closure, JinjaInterpreter interpreter) : IJinjaCallable
{
    public string Name => definition.Name;

    public object? Call(CallArgs args)
    {
        var parameters = definition.Parameters;
        var named = args.Named.ToList();
        object? Pop(string key)
        {
            int at = named.FindIndex(kv => kv.Key == key);
            if (at < 0) return ArgBinder.Missing;
            var value = named[at].Value;
            named.RemoveAt(at);
            return value;
        }

        var values = args.Positional.Take(parameters.Count).ToList();
        bool foundCaller;
        if (values.Count != parameters.Count)
        {
            foundCaller = false;
            foreach (var p in parameters.Skip(values.Count))
            {
                values.Add(Pop(p));
                if (p == "caller") foundCaller = true;
            }
        }
        else foundCaller = parameters.Contains("caller");

        var scope = new JinjaScope(closure);
        if (definition.CatchCaller && !foundCaller)
        {
            var caller = Pop("caller");
            scope.Set("caller", caller.IsMissing() || caller is null ? Undefined.WithHint("No caller defined") : caller);
        }
        if (definition.CatchKwargs)
        {
            var kwargs = new PyDict();
            foreach (var (k, v) in named) kwargs.Set(k, v);
            scope.Set("kwargs", kwargs);
        }
        else if (named.Count > 0)
        {
            throw new JinjaError(named.Any(kv => kv.Key == "caller")
                ? $"macro '{Name}' was invoked with two values for the special caller argument. This is most likely a bug."
                : $"macro '{Name}' takes no keyword argument '{named[0].Key}'");
        }
        if (definition.CatchVarargs)
            scope.Set("varargs", new PyList([.. args.Positional.Skip(parameters.Count)], PyListKind.Tuple));
        else if (args.Positional.Count > parameters.Count)
            throw new JinjaError($"macro '{Name}' takes not more than {parameters.Count} argument(s)");

        for (int i = 0; i < parameters.Count; i++)
        {
            object? value = values[i];
            if (value.IsMissing())
                value = definition.Defaults[i] is { } fallback
                    ? interpreter.Evaluate(fallback, scope)
                    : Undefined.WithHint($"parameter '{parameters[i]}' was not provided");
            scope.Set(parameters[i], value);
        }
        return interpreter.RenderCall(definition.Body, scope);
    }
}

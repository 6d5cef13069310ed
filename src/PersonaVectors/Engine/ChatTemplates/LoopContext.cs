namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>The <c>loop</c> variable of a for loop (Jinja's LoopContext, without recursion).</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    PyList? lastChanged;

    public int Index0 { get; set; }
    public int Index => Index0 + 1;
    public int Length => items.Count;

    public object? Attribute(string name) => name switch
    {
        "index" => (long)Index,
        "index0" => (long)Index0,
        "revindex" => (long)(Length - Index0),
        "revindex0" => (long)(Length - Index),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.WithHint("there is no previous item"),
        "nextitem" => Index0 < Length - 1 ? items[Index0 + 1] : Undefined.WithHint("there is no next item"),
        "cycle" => new BuiltinFunction("cycle", Cycle),
        "changed" => new BuiltinFunction("changed", Changed),
        _ => Undefined.Member(this, name),
    };

    object? Cycle(CallArgs args)
    {
        if (args.Named.Count > 0) throw new JinjaError("cycle() got an unexpected keyword argument");
        if (args.Positional.Count == 0) throw new JinjaError("no items for cycling given");
        return args.Positional[Index0 % args.Positional.Count];
    }

    object? Changed(CallArgs args)
    {
        var value = new PyList([.. args.Positional], PyListKind.Tuple);
        if (lastChanged is not null && PyOps.Equal(lastChanged, value)) return false;
        lastChanged = value;
        return true;
    }
}

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Emulation of Jinja's compile-time constant folding where it changes results: folded subexpressions go through
/// the sandbox's lenient getitem, and a folded negative number is written into Python source unparenthesised.
/// </summary>
internal sealed partial class JinjaInterpreter
{
    // Filters that need the render context cannot be folded (nodes.Filter.as_const).
    static readonly HashSet<string> ContextFilters = ["map", "select", "reject", "selectattr", "rejectattr"];
    static readonly JinjaScope NoVariables = new(null);
    // True while evaluating what Jinja would have evaluated at compile time.
    bool lenientSlices;
    // Nodes are records with value equality; constness is a property of the node instance.
    readonly Dictionary<Expr, bool> constantCache = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Jinja's optimizer replaces a constant subexpression by its value when that value can be written back as a
    /// Python literal; the compile-time evaluation goes through the sandbox's getitem, so a failed slice there is
    /// undefined. Anything else (errors, undefined results) is left to runtime, where slicing is strict.
    /// </summary>
    bool TryFold(Expr expr, out object? value)
    {
        lenientSlices = true;
        try
        {
            value = EvaluateCore(expr, NoVariables);
            if (HasSafeRepr(value)) return true;
        }
        catch (Exception e) when (e is JinjaError or ChatTemplateException) { }
        finally { lenientSlices = false; }
        value = null;
        return false;
    }

    static bool HasSafeRepr(object? value) => value switch
    {
        null or bool or long or double or string or Markup => true,
        PyList { Kind: PyListKind.List or PyListKind.Tuple or PyListKind.Range } list => list.All(HasSafeRepr),
        PyDict dict => dict.All(e => HasSafeRepr(e.Key) && HasSafeRepr(e.Value)),
        _ => false,
    };

    CallArgs EvaluateArgs(CallArgsExpr args, JinjaScope scope)
    {
        if (args.Positional.Count == 0 && args.Named.Count == 0 && args.Star is null && args.DoubleStar is null) return CallArgs.Empty;
        var positional = args.Positional.Select(a => Evaluate(a, scope)).ToList();
        var named = args.Named.Select(n => new KeyValuePair<string, object?>(n.Name, Evaluate(n.Value, scope))).ToList();
        if (args.Star is not null) positional.AddRange(PyOps.Iterate(Evaluate(args.Star, scope)));
        if (args.DoubleStar is not null)
        {
            if (Evaluate(args.DoubleStar, scope) is not PyDict extra)
                throw new ChatTemplateException("argument after ** must be a mapping", args.DoubleStar.Line);
            foreach (var (key, value) in extra)
            {
                if (key is not string name) throw new ChatTemplateException("keywords must be strings", args.DoubleStar.Line);
                if (named.Any(n => n.Key == name))
                    throw new ChatTemplateException($"got multiple values for keyword argument '{name}'", args.DoubleStar.Line);
                named.Add(new(name, value));
            }
        }
        return new CallArgs(positional, named);
    }

    static object? Call(object? callee, CallArgs args) => callee switch
    {
        Undefined u => throw u.Error(),
        IJinjaCallable f => f.Call(args),
        LoopContext => throw new JinjaError("recursive loop calls (loop(...)) are not supported by this chat template engine"),
        _ => throw new JinjaError($"'{PyText.TypeName(callee)}' object is not callable"),
    };

    object? EvaluateCore(Expr expr, JinjaScope scope)
    {
        switch (expr)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr name:
                return scope.Lookup(name.Name);
            case ListExpr list:
                return new PyList(list.Items.Select(i => Evaluate(i, scope)).ToArray());
            case TupleExpr tuple:
                return new PyList(tuple.Items.Select(i => Evaluate(i, scope)).ToArray(), PyListKind.Tuple);
            case DictExpr dict:
                {
                    var result = new PyDict();
                    foreach (var (k, v) in dict.Pairs)
                    {
                        var key = Evaluate(k, scope);
                        PyOps.Hash(key);
                        result.Set(key, Evaluate(v, scope));
                    }
                    return result;
                }
            case GetAttrExpr attr:
                return PyMembers.GetAttr(Evaluate(attr.Target, scope), attr.Attribute);
            case GetItemExpr item:
                {
                    var target = Evaluate(item.Target, scope);
                    if (item.Key is not SliceExpr slice) return PyMembers.GetItem(target, Evaluate(item.Key, scope));
                    var bounds = new SliceValue(Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope));
                    return PyMembers.GetItem(target, bounds, lenientSlices);
                }
            case CallExpr call:
                {
                    var callee = Evaluate(call.Callee, scope);
                    return Call(callee, EvaluateArgs(call.Args, scope));
                }
            case FilterExpr filter:
                return ApplyFilterChain(filter, null, scope);
            case TestExpr test:
                return JinjaTests.Apply(test.Name, Evaluate(test.Input, scope), EvaluateArgs(test.Args, scope));
            case NotExpr not:
                return !PyOps.Truthy(Evaluate(not.Operand, scope));
            case NegateExpr neg:
                {
                    var value = Evaluate(neg.Operand, scope);
                    return neg.Minus ? PyOps.Negate(value) : PyOps.Plus(value);
                }
            case BinaryExpr { Op: "and" } and:
                {
                    var left = Evaluate(and.Left, scope);
                    return PyOps.Truthy(left) ? Evaluate(and.Right, scope) : left;
                }
            case BinaryExpr { Op: "or" } or:
                {
                    var left = Evaluate(or.Left, scope);
                    return PyOps.Truthy(left) ? left : Evaluate(or.Right, scope);
                }
            case BinaryExpr binary:
                {
                    var left = Evaluate(binary.Left, scope);
                    var right = Evaluate(binary.Right, scope);
                    // Jinja writes a folded negative constant into generated Python as "-3 ** x", which Python reads
                    // as -(3 ** x); only a fully constant power is computed as (-3) ** x.
                    bool negative = left is long l && l < 0 || left is double d && double.IsNegative(d);
                    if (binary.Op == "**" && negative && IsConstant(binary.Left) && !IsConstant(binary.Right))
                        return PyOps.Negate(PyOps.Binary("**", PyOps.Negate(left), right));
                    return PyOps.Binary(binary.Op, left, right);
                }
            case ConcatExpr concat:
                return string.Concat(concat.Parts.Select(p => PyText.Str(Evaluate(p, scope))));
            case CompareExpr compare:
                {
                    var left = Evaluate(compare.First, scope);
                    foreach (var (op, operand) in compare.Rest)
                    {
                        var right = Evaluate(operand, scope);
                        if (!PyOps.Compare(op, left, right)) return false;
                        left = right;
                    }
                    return true;
                }
            case CondExpr cond:
                if (PyOps.Truthy(Evaluate(cond.Test, scope))) return Evaluate(cond.Then, scope);
                return cond.Else is not null
                    ? Evaluate(cond.Else, scope)
                    : Undefined.WithHint($"the inline if-expression on line {cond.Line} evaluated to false and no else section was defined.");
            case SliceExpr:
                throw new JinjaError("a slice is only valid inside [ ]");
            case NamespaceRefExpr:
                throw new JinjaError("namespace attribute references are only valid as assignment targets");
            default:
                throw new JinjaError($"internal error: unknown expression {expr.GetType().Name}");
        }
    }

    /// <summary>
    /// Whether Jinja's optimizer can evaluate the expression at compile time (nodes.Expr.as_const): literals and
    /// operators, attribute and item access, tests and filters over constants, but no names or calls.
    /// </summary>
    bool IsConstant(Expr? expr)
    {
        if (expr is null or ConstExpr) return true;
        if (constantCache.TryGetValue(expr, out bool known)) return known;
        return constantCache[expr] = ComputeIsConstant(expr);
    }

    bool ComputeIsConstant(Expr expr)
    {
        switch (expr)
        {
            case ListExpr list:
                return list.Items.All(IsConstant);
            case TupleExpr tuple:
                return tuple.Items.All(IsConstant);
            case DictExpr dict:
                return dict.Pairs.All(p => IsConstant(p.Key) && IsConstant(p.Value));
            case NegateExpr neg:
                return IsConstant(neg.Operand);
            case NotExpr not:
                return IsConstant(not.Operand);
            case ConcatExpr concat:
                return concat.Parts.All(IsConstant);
            case CompareExpr compare:
                return IsConstant(compare.First) && compare.Rest.All(r => IsConstant(r.Operand));
            case GetAttrExpr attr:
                return IsConstant(attr.Target);
            case GetItemExpr item:
                return IsConstant(item.Target) && (item.Key is SliceExpr s
                    ? IsConstant(s.Start) && IsConstant(s.Stop) && IsConstant(s.Step)
                    : IsConstant(item.Key));
            case FilterExpr filter:
                return filter.Input is not null && !ContextFilters.Contains(filter.Name) && IsConstant(filter.Input) && ArgsConstant(filter.Args);
            case TestExpr test:
                return IsConstant(test.Input) && ArgsConstant(test.Args);
            case BinaryExpr { Op: "and" or "or" } logic:
                {
                    // Folding short-circuits: the right side only needs to be constant when it is evaluated.
                    if (!IsConstant(logic.Left)) return false;
                    var left = TryConstValue(logic.Left, out bool ok);
                    return ok && (PyOps.Truthy(left) == (logic.Op == "or") || IsConstant(logic.Right));
                }
            case BinaryExpr binary:
                return IsConstant(binary.Left) && IsConstant(binary.Right);
            case CondExpr cond:
                {
                    if (!IsConstant(cond.Test)) return false;
                    var test = TryConstValue(cond.Test, out bool ok);
                    if (!ok) return false;
                    return PyOps.Truthy(test) ? IsConstant(cond.Then) : cond.Else is not null && IsConstant(cond.Else);
                }
            default:
                return false;
        }
    }

    bool ArgsConstant(CallArgsExpr args) =>
        args.Positional.All(IsConstant) && args.Named.All(n => IsConstant(n.Value)) && IsConstant(args.Star) && IsConstant(args.DoubleStar);

    /// <summary>The compile-time value of a constant expression (evaluated as Jinja's as_const would).</summary>
    object? TryConstValue(Expr expr, out bool ok)
    {
        bool saved = lenientSlices;
        lenientSlices = true;
        try
        {
            ok = true;
            return EvaluateCore(expr, NoVariables);
        }
        catch (Exception e) when (e is JinjaError or ChatTemplateException)
        {
            ok = false;
            return null;
        }
        finally { lenientSlices = saved; }
    }
}

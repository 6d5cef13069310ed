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

using System.Text;

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Tree-walking evaluator for parsed templates, with Jinja2's scoping and Python value semantics.</summary>
internal sealed partial class JinjaInterpreter
{
    enum Flow { Normal, Break, Continue }

    // Python stops runaway recursion with RecursionError; without a limit a recursive macro would crash the process.
    const int MaxCallDepth = 200;
    int callDepth;

    /// <summary>Renders a macro body, bounding the nesting of macro calls.</summary>
    public string RenderCall(IReadOnlyList<Stmt> body, JinjaScope scope)
    {
        if (callDepth >= MaxCallDepth) throw new JinjaError($"maximum recursion depth exceeded ({MaxCallDepth} nested macro calls)");
        callDepth++;
        try { return RenderBody(body, scope); }
        finally { callDepth--; }
    }

    public string RenderBody(IReadOnlyList<Stmt> body, JinjaScope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    Flow Execute(IReadOnlyList<Stmt> body, JinjaScope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            Flow flow;
            try { flow = ExecuteOne(stmt, scope, output); }
            catch (JinjaError e) { throw new ChatTemplateException(e.Message, stmt.Line, e.RaisedByTemplate); }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow ExecuteOne(Stmt stmt, JinjaScope scope, StringBuilder output)
    {
        switch (stmt)
        {
            case TextStmt text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStmt print:
                {
                    // Jinja evaluates a fully constant {{ ... }} at compile time, where failed slices are undefined.
                    bool constant = IsConstant(print.Value);
                    lenientSlices = constant;
                    try { output.Append(PyText.Str(Evaluate(print.Value, scope))); }
                    finally { lenientSlices = false; }
                    return Flow.Normal;
                }
            case IfStmt branches:
                foreach (var (test, body) in branches.Branches)
                    if (PyOps.Truthy(Evaluate(test, scope))) return Execute(body, scope, output);
                return Execute(branches.Else, scope, output);
            case ForStmt loop:
                return ExecuteFor(loop, scope, output);
            case SetStmt set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt block:
                {
                    var buffer = new StringBuilder();
                    var flow = Execute(block.Body, new JinjaScope(scope), buffer);
                    object? value = buffer.ToString();
                    if (block.Filter is not null) value = ApplyFilterChain(block.Filter, value, scope);
                    Assign(block.Target, value, scope);
                    return flow;
                }
            case MacroStmt macro:
                scope.Set(macro.Name, new JinjaMacro(macro, scope, this));
                return Flow.Normal;
            case CallBlockStmt block:
                {
                    var callee = Evaluate(block.Call.Callee, scope);
                    var args = EvaluateArgs(block.Call.Args, scope);
                    var withCaller = new CallArgs(args.Positional,
                        [.. args.Named, new KeyValuePair<string, object?>("caller", new JinjaMacro(block.Caller, scope, this))]);
                    output.Append(PyText.Str(Call(callee, withCaller)));
                    return Flow.Normal;
                }
            case FilterBlockStmt filter:
                {
                    var buffer = new StringBuilder();
                    var flow = Execute(filter.Body, new JinjaScope(scope), buffer);
                    output.Append(PyText.Str(ApplyFilterChain(filter.Filter, buffer.ToString(), scope)));
                    return flow;
                }
            case WithStmt with:
                {
                    // All values are computed in the outer frame before any name is bound.
                    var values = with.Assignments.Select(a => Evaluate(a.Value, scope)).ToList();
                    var inner = new JinjaScope(scope);
                    for (int i = 0; i < values.Count; i++) Assign(with.Assignments[i].Target, values[i], inner);
                    return Execute(with.Body, inner, output);
                }
            case ScopedBlockStmt scoped:
                Execute(scoped.Body, new JinjaScope(scope), output);
                return Flow.Normal;
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new ChatTemplateException($"internal error: unknown statement {stmt.GetType().Name}", stmt.Line);
        }
    }

    Flow ExecuteFor(ForStmt loop, JinjaScope scope, StringBuilder output)
    {
        var items = PyOps.Iterate(Evaluate(loop.Iterable, scope)).ToList();
        if (loop.Filter is not null)
        {
            items = items.Where(item =>
            {
                var probe = new JinjaScope(scope);
                Assign(loop.Target, item, probe);
                return PyOps.Truthy(Evaluate(loop.Filter, probe));
            }).ToList();
        }
        // Jinja clears its "run the else branch" flag at the end of the loop body, so the else branch also runs when
        // every iteration ended in continue, or when a break came before any iteration finished.
        bool runElse = true;
        var context = new LoopContext(items);
        for (int i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iteration = new JinjaScope(scope);
            Assign(loop.Target, items[i], iteration);
            iteration.Set("loop", context);
            var flow = Execute(loop.Body, iteration, output);
            if (flow == Flow.Break) break;
            if (flow == Flow.Normal) runElse = false;
        }
        return runElse ? Execute(loop.Else, scope, output) : Flow.Normal;
    }

    void Assign(Expr target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameExpr name:
                scope.Set(name.Name, value);
                break;
            case NamespaceRefExpr nsRef:
                if (scope.Lookup(nsRef.Name) is not JinjaNamespace ns)
                    throw new JinjaError("cannot assign attribute on non-namespace object");
                ns.Attributes.Set(nsRef.Attribute, value);
                break;
            case TupleExpr tuple:
                {
                    var items = PyOps.Iterate(value).ToList();
                    if (items.Count > tuple.Items.Count) throw new JinjaError($"too many values to unpack (expected {tuple.Items.Count})");
                    if (items.Count < tuple.Items.Count)
                        throw new JinjaError($"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})");
                    for (int i = 0; i < items.Count; i++) Assign(tuple.Items[i], items[i], scope);
                    break;
                }
            default:
                throw new JinjaError("can't assign to this expression");
        }
    }

    object? ApplyFilterChain(FilterExpr filter, object? blockValue, JinjaScope scope)
    {
        object? input = filter.Input switch
        {
            null => blockValue,
            FilterExpr inner => ApplyFilterChain(inner, blockValue, scope),
            var other => Evaluate(other, scope),
        };
        try { return JinjaFilters.Apply(filter.Name, input, EvaluateArgs(filter.Args, scope)); }
        catch (JinjaError e) { throw new ChatTemplateException(e.Message, filter.Line, e.RaisedByTemplate); }
    }

    public object? Evaluate(Expr expr, JinjaScope scope)
    {
        try
        {
            if (!lenientSlices && expr is not ConstExpr && IsConstant(expr) && TryFold(expr, out var folded)) return folded;
            return EvaluateCore(expr, scope);
        }
        catch (JinjaError e) { throw new ChatTemplateException(e.Message, expr.Line, e.RaisedByTemplate); }
    }

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
                return JinjaIsTests.Apply(test.Name, Evaluate(test.Input, scope), EvaluateArgs(test.Args, scope));
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

    object? Optional(Expr? expr, JinjaScope scope) => expr is null ? null : Evaluate(expr, scope);
}

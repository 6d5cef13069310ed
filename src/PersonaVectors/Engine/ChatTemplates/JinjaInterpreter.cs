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

    object? Optional(Expr? expr, JinjaScope scope) => expr is null ? null : Evaluate(expr, scope);
}

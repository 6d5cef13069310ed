namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Expression nodes of a parsed template; <c>Line</c> is where the expression starts.</summary>
internal abstract record Expr(int Line);

internal sealed record ConstExpr(object? Value, int Line) : Expr(Line);
internal sealed record NameExpr(string Name, int Line) : Expr(Line);
/// <summary><c>ns.attr</c> as an assignment target, where ns must be a namespace object.</summary>
internal sealed record NamespaceRefExpr(string Name, string Attribute, int Line) : Expr(Line);
internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);
internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);
internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Line) : Expr(Line);
internal sealed record GetAttrExpr(Expr Target, string Attribute, int Line) : Expr(Line);
internal sealed record GetItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);
internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);

/// <summary>Arguments as written: <c>f(a, b, *rest, k=v, **more)</c>.</summary>
internal sealed record CallArgsExpr(
    IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named, Expr? Star = null, Expr? DoubleStar = null)
{
    public static readonly CallArgsExpr None = new([], []);
}

internal sealed record CallExpr(Expr Callee, CallArgsExpr Args, int Line) : Expr(Line);
/// <summary><c>input | name(args)</c>; Input is null in a <c>{% filter %}</c> block, where the body is the input.</summary>
internal sealed record FilterExpr(Expr? Input, string Name, CallArgsExpr Args, int Line) : Expr(Line);
internal sealed record TestExpr(Expr Input, string Name, CallArgsExpr Args, int Line) : Expr(Line);
internal sealed record NotExpr(Expr Operand, int Line) : Expr(Line);
internal sealed record NegateExpr(Expr Operand, bool Minus, int Line) : Expr(Line);
/// <summary>Arithmetic (+ - * / // % **) and the short-circuit <c>and</c>/<c>or</c>.</summary>
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);
/// <summary>The <c>~</c> operator: str() of each operand, joined.</summary>
internal sealed record ConcatExpr(IReadOnlyList<Expr> Parts, int Line) : Expr(Line);
/// <summary>A chain like <c>a &lt; b &lt;= c</c>; ops are ==, !=, &lt;, &lt;=, &gt;, &gt;=, in, notin.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Op, Expr Operand)> Rest, int Line) : Expr(Line);
/// <summary><c>Then if Test else Else</c>; a missing else yields undefined.</summary>
internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line) : Expr(Line);

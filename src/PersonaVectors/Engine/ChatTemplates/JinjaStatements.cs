namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Statement nodes of a parsed template.</summary>
internal abstract record Stmt(int Line);

internal sealed record TextStmt(string Text, int Line) : Stmt(Line);
internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);
internal sealed record IfStmt(IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);
internal sealed record ForStmt(Expr Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);
internal sealed record SetStmt(Expr Target, Expr Value, int Line) : Stmt(Line);
/// <summary><c>{% set x %}...{% endset %}</c>, optionally with filters applied to the captured text.</summary>
internal sealed record SetBlockStmt(Expr Target, FilterExpr? Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
/// <summary>
/// A macro definition. The Catch flags record whether the body reads varargs, kwargs or caller, which decides
/// whether the macro accepts extra positional arguments, extra keywords or a call block.
/// </summary>
internal sealed record MacroStmt(
    string Name, IReadOnlyList<string> Parameters, IReadOnlyList<Expr?> Defaults, IReadOnlyList<Stmt> Body,
    bool CatchVarargs, bool CatchKwargs, bool CatchCaller, int Line) : Stmt(Line);
/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the body becomes the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockStmt(CallExpr Call, MacroStmt Caller, int Line) : Stmt(Line);
internal sealed record FilterBlockStmt(FilterExpr Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record WithStmt(IReadOnlyList<(Expr Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
/// <summary>A body rendered in its own scope: Hugging Face's <c>{% generation %}</c> tag.</summary>
internal sealed record ScopedBlockStmt(IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record BreakStmt(int Line) : Stmt(Line);
internal sealed record ContinueStmt(int Line) : Stmt(Line);

namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>
/// Recursive-descent parser mirroring jinja2.parser.Parser: same operator precedence (filters and tests bind tighter
/// than arithmetic, <c>**</c> is left-associative), same statement grammar. Anything outside the supported subset is
/// rejected here, with its line, rather than rendered differently.
/// </summary>
internal sealed partial class JinjaParser
{
    static readonly HashSet<string> CompareOps = ["==", "!=", "<", "<=", ">", ">="];
    static readonly HashSet<string> UnsupportedTags = ["include", "import", "from", "extends", "block", "autoescape"];

    readonly List<Token> tokens;
    int at;
    int loopDepth;
    // Names read inside the macro being parsed: a macro only accepts extra arguments if its body reads varargs/kwargs.
    readonly Stack<HashSet<string>> macroNames = new();

    JinjaParser(List<Token> tokens) => this.tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.Subparse([]);
        if (parser.Cur.Kind != TokenKind.Eof) throw parser.Fail($"unexpected {parser.Cur.Describe()}");
        return body;
    }

    Token Cur => tokens[at];
    Token Look => tokens[Math.Min(at + 1, tokens.Count - 1)];
    Token Next() => tokens[at < tokens.Count - 1 ? at++ : at];

    ChatTemplateException Fail(string message, int? line = null) => new(message, line ?? Cur.Line);

    Token Expect(TokenKind kind)
    {
        if (Cur.Kind != kind) throw Fail($"expected {Describe(kind)}, got {Cur.Describe()}");
        return Next();
    }

    void ExpectOperator(string op)
    {
        if (!Cur.IsOperator(op)) throw Fail($"expected '{op}', got {Cur.Describe()}");
        Next();
    }

    void ExpectName(string name)
    {
        if (!Cur.IsName(name)) throw Fail($"expected '{name}', got {Cur.Describe()}");
        Next();
    }

    static string Describe(TokenKind kind) => kind switch
    {
        TokenKind.BlockEnd => "end of statement block (%})",
        TokenKind.VariableEnd => "end of print statement (}})",
        TokenKind.Name => "a name",
        _ => kind.ToString(),
    };

    /// <summary>Parses until a block whose tag name is in <paramref name="endTags"/>, leaving that name as current token.</summary>
    List<Stmt> Subparse(string[] endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Cur;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    Next();
                    body.Add(new TextStmt(token.Text, token.Line));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new OutputStmt(ParseTuple(), token.Line));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (Cur.Kind == TokenKind.Name && endTags.Contains(Cur.Text)) return body;
                    body.Add(ParseStatement());
                    Expect(TokenKind.BlockEnd);
                    break;
                case TokenKind.Eof:
                    if (endTags.Length > 0)
                        throw Fail($"unexpected end of template; expected {string.Join(" or ", endTags.Select(t => $"'{{% {t} %}}'"))}");
                    return body;
                default:
                    throw Fail($"unexpected {token.Describe()}");
            }
        }
    }

    List<Stmt> ParseStatements(string[] endTags, bool dropNeedle = false)
    {
        if (Cur.IsOperator(":")) Next();
        Expect(TokenKind.BlockEnd);
        var body = Subparse(endTags);
        if (dropNeedle) Next();
        return body;
    }

    Stmt ParseStatement()
    {
        var token = Cur;
        if (token.Kind != TokenKind.Name) throw Fail("tag name expected");
        switch (token.Text)
        {
            case "if": Next(); return ParseIf(token.Line);
            case "for": Next(); return ParseFor(token.Line);
            case "set": Next(); return ParseSet(token.Line);
            case "macro": Next(); return ParseMacro(token.Line);
            case "call": Next(); return ParseCallBlock(token.Line);
            case "filter": Next(); return ParseFilterBlock(token.Line);
            case "with": Next(); return ParseWith(token.Line);
            case "print": Next(); return ParsePrint(token.Line);
            case "generation":
                {
                    Next();
                    int saved = loopDepth;
                    loopDepth = 0;
                    var body = ParseStatements(["endgeneration"], dropNeedle: true);
                    loopDepth = saved;
                    return new ScopedBlockStmt(body, token.Line);
                }
            case "break" or "continue":
                Next();
                if (loopDepth == 0) throw Fail($"'{{% {token.Text} %}}' outside of a loop", token.Line);
                return token.Text == "break" ? new BreakStmt(token.Line) : new ContinueStmt(token.Line);
            case "do":
                throw Fail("unknown tag 'do' (the 'do' extension is not enabled in Hugging Face's chat template environment)");
        }
        if (UnsupportedTags.Contains(token.Text))
            throw Fail($"'{{% {token.Text} %}}' is not supported by this chat template engine");
        if (token.Text.StartsWith("end", StringComparison.Ordinal) || token.Text is "else" or "elif")
            throw Fail($"unexpected '{{% {token.Text} %}}' (no open block it could close)");
        throw Fail($"unknown tag '{token.Text}'");
    }

    Stmt ParseIf(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt> elseBody = [];
        var test = ParseTuple(withCondexpr: false);
        branches.Add((test, ParseStatements(["elif", "else", "endif"])));
        while (true)
        {
            string tag = Next().Text;
            if (tag == "elif")
            {
                test = ParseTuple(withCondexpr: false);
                branches.Add((test, ParseStatements(["elif", "else", "endif"])));
                continue;
            }
            if (tag == "else") elseBody = ParseStatements(["endif"], dropNeedle: true);
            break;
        }
        return new IfStmt(branches, elseBody, line);
    }

    Stmt ParseFor(int line)
    {
        var target = ParseAssignTarget(extraEnd: ["in"]);
        ExpectName("in");
        var iterable = ParseTuple(withCondexpr: false, extraEnd: ["recursive"]);
        Expr? filter = null;
        if (Cur.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Cur.IsName("recursive")) throw Fail("recursive for loops are not supported by this chat template engine");
        loopDepth++;
        var body = ParseStatements(["endfor", "else"]);
        loopDepth--;
        IReadOnlyList<Stmt> elseBody = [];
        if (Next().Text == "else") elseBody = ParseStatements(["endfor"], dropNeedle: true);
        return new ForStmt(target, iterable, filter, body, elseBody, line);
    }

    Stmt ParseSet(int line)
    {
        var target = ParseAssignTarget(withNamespace: true);
        if (Cur.IsOperator("="))
        {
            Next();
            return new SetStmt(target, ParseTuple(), line);
        }
        FilterExpr? filter = Cur.IsOperator("|") ? ParseFilter(null, startInline: false) : null;
        var body = ParseStatements(["endset"], dropNeedle: true);
        return new SetBlockStmt(target, filter, body, line);
    }

    Stmt ParseMacro(int line)
    {
        string name = Expect(TokenKind.Name).Text;
        var (parameters, defaults) = ParseSignature();
        return ParseMacroBody(name, parameters, defaults, "endmacro", line);
    }

    (List<string> Parameters, List<Expr?> Defaults) ParseSignature()
    {
        var parameters = new List<string>();
        var defaults = new List<Expr?>();
        ExpectOperator("(");
        while (!Cur.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            var param = Expect(TokenKind.Name);
            if (param.Text is "true" or "false" or "none" or "True" or "False" or "None")
                throw Fail($"can't assign to '{param.Text}'");
            parameters.Add(param.Text);
            if (Cur.IsOperator("="))
            {
                Next();
                defaults.Add(ParseExpression());
            }
            else if (defaults.Any(d => d is not null)) throw Fail("non-default argument follows default argument");
            else defaults.Add(null);
        }
        Next();
        return (parameters, defaults);
    }

    MacroStmt ParseMacroBody(string name, List<string> parameters, List<Expr?> defaults, string endTag, int line)
    {
        int savedDepth = loopDepth;
        loopDepth = 0;
        macroNames.Push([]);
        var body = ParseStatements([endTag], dropNeedle: true);
        var used = macroNames.Pop();
        loopDepth = savedDepth;
        return new MacroStmt(name, parameters, defaults, body,
            used.Contains("varargs"), used.Contains("kwargs"), used.Contains("caller"), line);
    }

    Stmt ParseCallBlock(int line)
    {
        var (parameters, defaults) = Cur.IsOperator("(") ? ParseSignature() : (new List<string>(), new List<Expr?>());
        if (ParseExpression() is not CallExpr call) throw Fail("expected a macro call after '{% call %}'", line);
        var caller = ParseMacroBody("caller", parameters, defaults, "endcall", line);
        return new CallBlockStmt(call, caller, line);
    }

    Stmt ParseFilterBlock(int line)
    {
        var filter = ParseFilter(null, startInline: true)!;
        var body = ParseStatements(["endfilter"], dropNeedle: true);
        return new FilterBlockStmt(filter, body, line);
    }

    Stmt ParseWith(int line)
    {
        var assignments = new List<(Expr, Expr)>();
        while (Cur.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget();
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        var body = ParseStatements(["endwith"], dropNeedle: true);
        return new WithStmt(assignments, body, line);
    }

    Stmt ParsePrint(int line)
    {
        var parts = new List<Expr>();
        while (Cur.Kind != TokenKind.BlockEnd)
        {
            if (parts.Count > 0) ExpectOperator(",");
            parts.Add(ParseExpression());
        }
        // {% print a, b %} prints each expression in turn.
        return parts.Count == 1 ? new OutputStmt(parts[0], line) : new OutputStmt(new ConcatExpr(parts, line), line);
    }

    Expr ParseAssignTarget(string[]? extraEnd = null, bool withNamespace = false)
    {
        var target = ParseTuple(simplified: true, extraEnd: extraEnd, withNamespace: withNamespace);
        CheckAssignable(target);
        return target;
    }

    void CheckAssignable(Expr target)
    {
        switch (target)
        {
            case NameExpr n when n.Name is not ("true" or "false" or "none" or "True" or "False" or "None"):
            case NamespaceRefExpr:
                return;
            case TupleExpr t:
                foreach (var item in t.Items) CheckAssignable(item);
                return;
            default:
                throw Fail("can't assign to this expression", target.Line);
        }
    }
}

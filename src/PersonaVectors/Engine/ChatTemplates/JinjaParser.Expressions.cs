namespace PersonaVectors.Engine.ChatTemplates;

/// <summary>Expression grammar, by rising precedence: conditional, or, and, not, comparison, + -, ~, * / // %, **, unary, postfix and filters.</summary>
internal sealed partial class JinjaParser
{
    Expr ParseExpression(bool withCondexpr = true) => withCondexpr ? ParseCondExpr() : ParseOr();

    Expr ParseCondExpr()
    {
        int line = Cur.Line;
        var expr = ParseOr();
        while (Cur.IsName("if"))
        {
            Next();
            var test = ParseOr();
            Expr? otherwise = null;
            if (Cur.IsName("else"))
            {
                Next();
                otherwise = ParseCondExpr();
            }
            expr = new CondExpr(test, expr, otherwise, line);
        }
        return expr;
    }

    Expr ParseOr()
    {
        var left = ParseAnd();
        while (Cur.IsName("or"))
        {
            int line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }
        return left;
    }

    Expr ParseAnd()
    {
        var left = ParseNot();
        while (Cur.IsName("and"))
        {
            int line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }
        return left;
    }

    Expr ParseNot()
    {
        if (Cur.IsName("not"))
        {
            int line = Next().Line;
            return new NotExpr(ParseNot(), line);
        }
        return ParseCompare();
    }

    Expr ParseCompare()
    {
        int line = Cur.Line;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Cur.Kind == TokenKind.Operator && CompareOps.Contains(Cur.Text)) rest.Add((Next().Text, ParseMath1()));
            else if (Cur.IsName("in")) { Next(); rest.Add(("in", ParseMath1())); }
            else if (Cur.IsName("not") && Look.IsName("in")) { Next(); Next(); rest.Add(("notin", ParseMath1())); }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Cur.IsOperator("+") || Cur.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParseConcat(), op.Line);
        }
        return left;
    }

    Expr ParseConcat()
    {
        int line = Cur.Line;
        var parts = new List<Expr> { ParseMath2() };
        while (Cur.IsOperator("~"))
        {
            Next();
            parts.Add(ParseMath2());
        }
        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts, line);
    }

    Expr ParseMath2()
    {
        var left = ParsePow();
        while (Cur.IsOperator("*") || Cur.IsOperator("/") || Cur.IsOperator("//") || Cur.IsOperator("%"))
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParsePow(), op.Line);
        }
        return left;
    }

    Expr ParsePow()
    {
        var left = ParseUnary();
        while (Cur.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(), op.Line);
        }
        return left;
    }

    Expr ParseUnary(bool withFilter = true)
    {
        Expr node;
        if (Cur.IsOperator("-") || Cur.IsOperator("+"))
        {
            var op = Next();
            node = new NegateExpr(ParseUnary(withFilter: false), op.Text == "-", op.Line);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpr(node) : node;
    }

    Expr ParsePrimary(bool withNamespace = false)
    {
        var token = Cur;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Next();
                switch (token.Text)
                {
                    case "true" or "True": return new ConstExpr(true, token.Line);
                    case "false" or "False": return new ConstExpr(false, token.Line);
                    case "none" or "None": return new ConstExpr(null, token.Line);
                }
                if (withNamespace && Cur.IsOperator("."))
                {
                    Next();
                    return new NamespaceRefExpr(token.Text, Expect(TokenKind.Name).Text, token.Line);
                }
                // Jinja looks for varargs/kwargs/caller anywhere inside a macro, nested macros included.
                foreach (var names in macroNames) names.Add(token.Text);
                return new NameExpr(token.Text, token.Line);
            case TokenKind.String:
                {
                    // Adjacent string literals concatenate, as in Python.
                    Next();
                    var text = (string)token.Value!;
                    while (Cur.Kind == TokenKind.String) text += (string)Next().Value!;
                    return new ConstExpr(text, token.Line);
                }
            case TokenKind.Integer or TokenKind.Float:
                Next();
                return new ConstExpr(token.Value, token.Line);
            case TokenKind.Operator when token.Text == "(":
                {
                    Next();
                    var inner = ParseTuple(explicitParentheses: true);
                    ExpectOperator(")");
                    return inner;
                }
            case TokenKind.Operator when token.Text == "[":
                return ParseList();
            case TokenKind.Operator when token.Text == "{":
                return ParseDict();
            default:
                throw Fail($"unexpected {token.Describe()}");
        }
    }

    bool IsTupleEnd(string[]? extraEnd) =>
        Cur.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || Cur.IsOperator(")")
        || (extraEnd is not null && Cur.Kind == TokenKind.Name && extraEnd.Contains(Cur.Text));

    Expr ParseTuple(bool simplified = false, bool withCondexpr = true, string[]? extraEnd = null,
        bool explicitParentheses = false, bool withNamespace = false)
    {
        int line = Cur.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEnd)) break;
            items.Add(simplified ? ParsePrimary(withNamespace) : ParseExpression(withCondexpr));
            if (Cur.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Fail($"expected an expression, got {Cur.Describe()}");
        }
        return new TupleExpr(items, line);
    }

    Expr ParseList()
    {
        int line = Next().Line;
        var items = new List<Expr>();
        while (!Cur.IsOperator("]"))
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Cur.IsOperator("]")) break;
            items.Add(ParseExpression());
        }
        ExpectOperator("]");
        return new ListExpr(items, line);
    }

    Expr ParseDict()
    {
        int line = Next().Line;
        var pairs = new List<(Expr, Expr)>();
        while (!Cur.IsOperator("}"))
        {
            if (pairs.Count > 0) ExpectOperator(",");
            if (Cur.IsOperator("}")) break;
            var key = ParseExpression();
            ExpectOperator(":");
            pairs.Add((key, ParseExpression()));
        }
        ExpectOperator("}");
        return new DictExpr(pairs, line);
    }

    Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Cur.IsOperator(".") || Cur.IsOperator("[")) node = ParseSubscript(node);
            else if (Cur.IsOperator("(")) { int line = Cur.Line; node = new CallExpr(node, ParseCallArgs(), line); }
            else return node;
        }
    }

    Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Cur.IsOperator("|")) node = ParseFilter(node, startInline: false)!;
            else if (Cur.IsName("is")) node = ParseTest(node);
            else if (Cur.IsOperator("(")) { int line = Cur.Line; node = new CallExpr(node, ParseCallArgs(), line); }
            else return node;
        }
    }

    Expr ParseSubscript(Expr node)
    {
        var token = Next();
        if (token.Text == ".")
        {
            var attr = Next();
            if (attr.Kind == TokenKind.Name) return new GetAttrExpr(node, attr.Text, token.Line);
            if (attr.Kind != TokenKind.Integer) throw Fail("expected name or number after '.'", attr.Line);
            return new GetItemExpr(node, new ConstExpr(attr.Value, attr.Line), token.Line);
        }
        var args = new List<Expr>();
        while (!Cur.IsOperator("]"))
        {
            if (args.Count > 0) ExpectOperator(",");
            args.Add(ParseSubscribed());
        }
        ExpectOperator("]");
        return new GetItemExpr(node, args.Count == 1 ? args[0] : new TupleExpr(args, token.Line), token.Line);
    }

    Expr ParseSubscribed()
    {
        int line = Cur.Line;
        Expr? start = null;
        if (Cur.IsOperator(":")) Next();
        else
        {
            var node = ParseExpression();
            if (!Cur.IsOperator(":")) return node;
            Next();
            start = node;
        }
        Expr? stop = null, step = null;
        if (!Cur.IsOperator(":") && !Cur.IsOperator("]") && !Cur.IsOperator(",")) stop = ParseExpression();
        if (Cur.IsOperator(":"))
        {
            Next();
            if (!Cur.IsOperator("]") && !Cur.IsOperator(",")) step = ParseExpression();
        }
        return new SliceExpr(start, stop, step, line);
    }

    CallArgsExpr ParseCallArgs()
    {
        int line = Cur.Line;
        ExpectOperator("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        Expr? star = null, doubleStar = null;
        bool requireComma = false;
        void Ensure(bool ok)
        {
            if (!ok) throw Fail("invalid syntax for function call expression", line);
        }
        while (!Cur.IsOperator(")"))
        {
            if (requireComma)
            {
                ExpectOperator(",");
                if (Cur.IsOperator(")")) break;
            }
            if (Cur.IsOperator("*"))
            {
                Ensure(star is null && doubleStar is null);
                Next();
                star = ParseExpression();
            }
            else if (Cur.IsOperator("**"))
            {
                Ensure(doubleStar is null);
                Next();
                doubleStar = ParseExpression();
            }
            else if (Cur.Kind == TokenKind.Name && Look.IsOperator("="))
            {
                Ensure(doubleStar is null);
                string key = Next().Text;
                Next();
                named.Add((key, ParseExpression()));
            }
            else
            {
                Ensure(star is null && doubleStar is null && named.Count == 0);
                positional.Add(ParseExpression());
            }
            requireComma = true;
        }
        ExpectOperator(")");
        return new CallArgsExpr(positional, named, star, doubleStar);
    }

    FilterExpr? ParseFilter(Expr? node, bool startInline)
    {
        FilterExpr? result = null;
        while (Cur.IsOperator("|") || startInline)
        {
            if (!startInline) Next();
            var token = Expect(TokenKind.Name);
            string name = token.Text;
            while (Cur.IsOperator("."))
            {
                Next();
                name += "." + Expect(TokenKind.Name).Text;
            }
            JinjaFilters.Validate(name, token.Line);
            var args = Cur.IsOperator("(") ? ParseCallArgs() : CallArgsExpr.None;
            result = new FilterExpr(result ?? node, name, args, token.Line);
            startInline = false;
        }
        return result;
    }

    Expr ParseTest(Expr node)
    {
        int line = Next().Line;
        bool negated = false;
        if (Cur.IsName("not"))
        {
            Next();
            negated = true;
        }
        string name = Expect(TokenKind.Name).Text;
        while (Cur.IsOperator("."))
        {
            Next();
            name += "." + Expect(TokenKind.Name).Text;
        }
        JinjaIsTests.Validate(name, line);
        CallArgsExpr args;
        if (Cur.IsOperator("(")) args = ParseCallArgs();
        else if ((Cur.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Cur.IsOperator("(") || Cur.IsOperator("[") || Cur.IsOperator("{"))
                 && !(Cur.IsName("else") || Cur.IsName("or") || Cur.IsName("and")))
        {
            if (Cur.IsName("is")) throw Fail("you cannot chain multiple tests with is");
            args = new CallArgsExpr([ParsePostfix(ParsePrimary())], []);
        }
        else args = CallArgsExpr.None;
        Expr test = new TestExpr(node, name, args, line);
        return negated ? new NotExpr(test, line) : test;
    }
}

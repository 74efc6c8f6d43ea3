namespace Kiln.Config.Python;

internal sealed partial class Parser
{
    private static readonly HashSet<string> ComparisonOps = ["<", ">", "==", ">=", "<=", "!="];

    /// <summary><c>a, b = ...</c> and <c>for a, b in ...</c> targets: a bare tuple of expressions.</summary>
    private Expr ParseTargetList()
    {
        var first = ParseStarOr(ParseExpr);
        if (!Peek.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (AcceptOp(","))
        {
            if (Peek.IsKeyword("in") || Peek.IsOp("=")) break;
            items.Add(ParseStarOr(ParseExpr));
        }
        return new TupleExpr(items, first.Line, first.Col);
    }

    private Expr ParseStarOr(Func<Expr> inner)
    {
        if (Peek.IsOp("*"))
        {
            var star = Next();
            return new StarredExpr(ParseExpr(), star.Line, star.Column);
        }
        return inner();
    }

    private Expr ParseTestListStarExpr() => ParseTupleOf(() => ParseStarOr(ParseTest));

    private Expr ParseTestList() => ParseTupleOf(() => ParseStarOr(ParseTest));

    private Expr ParseTupleOf(Func<Expr> item)
    {
        var first = item();
        if (!Peek.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (AcceptOp(","))
        {
            if (!StartsExpression(Peek)) break;
            items.Add(item());
        }
        return new TupleExpr(items, first.Line, first.Col);
    }

    private static bool StartsExpression(Token t) => t.Kind switch
    {
        TokenKind.Name => !Keywords.Contains(t.Text) || t.Text is "None" or "True" or "False" or "not" or "lambda",
        TokenKind.Number or TokenKind.String => true,
        TokenKind.Op => t.Text is "(" or "[" or "{" or "-" or "+" or "~" or "*" or "**" or "...",
        _ => false,
    };

    private Expr ParseNamedTest()
    {
        var e = ParseTest();
        if (Peek.IsOp(":=")) throw Error(Peek, "the walrus operator ':=' is not supported in Kiln configs; assign on its own line");
        return e;
    }

    /// <summary>Deeper nesting than this is refused: recursion that deep would overflow the stack and kill the process.</summary>
    private const int MaxNesting = 200;

    private int _nesting;

    private Expr ParseTest()
    {
        if (++_nesting > MaxNesting) throw Error(Peek, $"expression nested more than {MaxNesting} levels deep");
        try
        {
            return ParseTestCore();
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseTestCore()
    {
        if (Peek.IsKeyword("lambda")) throw Error(Peek, Unsupported["lambda"]);
        var body = ParseOr();
        if (!Peek.IsKeyword("if")) return body;
        var t = Next();
        var test = ParseOr();
        if (!AcceptKeyword("else")) throw Error(Peek, $"expected 'else' in conditional expression, found {Peek.Describe()}");
        var orElse = ParseTest();
        return new IfExpr(test, body, orElse, t.Line, t.Column);
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Peek.IsKeyword("or"))
        {
            var t = Next();
            left = new BoolExpr(false, left, ParseAnd(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Peek.IsKeyword("and"))
        {
            var t = Next();
            left = new BoolExpr(true, left, ParseNot(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Peek.IsKeyword("not"))
        {
            var t = Next();
            if (++_nesting > MaxNesting) throw Error(t, $"expression nested more than {MaxNesting} levels deep");
            var operand = ParseNot();
            _nesting--;
            return new UnaryExpr("not", operand, t.Line, t.Column);
        }
        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var first = ParseExpr();
        List<string>? ops = null;
        List<Expr>? rest = null;
        while (true)
        {
            string? op = null;
            var t = Peek;
            if (t.Kind == TokenKind.Op && ComparisonOps.Contains(t.Text)) { _pos++; op = t.Text; }
            else if (t.IsKeyword("in")) { _pos++; op = "in"; }
            else if (t.IsKeyword("not") && PeekAt(1).IsKeyword("in")) { _pos += 2; op = "not in"; }
            else if (t.IsKeyword("is"))
            {
                _pos++;
                op = AcceptKeyword("not") ? "is not" : "is";
            }
            if (op is null) break;
            (ops ??= []).Add(op);
            (rest ??= []).Add(ParseExpr());
        }
        return ops is null ? first : new CompareExpr(first, ops, rest!, first.Line, first.Col);
    }

    private Expr ParseExpr() => ParseBinary(0);

    // Binary operator levels from loosest to tightest, as in Python's grammar.
    private static readonly string[][] Levels =
    [
        ["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%", "@"],
    ];

    private Expr ParseBinary(int level)
    {
        if (level == Levels.Length) return ParseFactor();
        var left = ParseBinary(level + 1);
        while (Peek.Kind == TokenKind.Op && Array.IndexOf(Levels[level], Peek.Text) >= 0)
        {
            var t = Next();
            left = new BinaryExpr(t.Text, left, ParseBinary(level + 1), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseFactor()
    {
        if (++_nesting > MaxNesting) throw Error(Peek, $"expression nested more than {MaxNesting} levels deep");
        try
        {
            return ParseFactorCore();
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseFactorCore()
    {
        if (Peek.Kind == TokenKind.Op && Peek.Text is "-" or "+" or "~")
        {
            var t = Next();
            var operand = ParseFactor();
            // Fold negative literals so that `-1` is a constant (keeps dumps and error messages simple).
            if (t.Text == "-" && operand is ConstExpr { Value: long l }) return new ConstExpr(-l, t.Line, t.Column);
            if (t.Text == "-" && operand is ConstExpr { Value: double d }) return new ConstExpr(-d, t.Line, t.Column);
            return new UnaryExpr(t.Text, operand, t.Line, t.Column);
        }
        return ParsePower();
    }

    private Expr ParsePower()
    {
        var atom = ParseAtomExpr();
        if (!Peek.IsOp("**")) return atom;
        var t = Next();
        return new BinaryExpr("**", atom, ParseFactor(), t.Line, t.Column);
    }

    private Expr ParseAtomExpr()
    {
        var e = ParseAtom();
        while (true)
        {
            var t = Peek;
            if (t.IsOp("("))
            {
                _pos++;
                e = new CallExpr(e, ParseArguments(), t.Line, t.Column);
            }
            else if (t.IsOp("["))
            {
                _pos++;
                var index = ParseSubscriptList();
                ExpectOp("]", "to close the subscript");
                e = new SubscriptExpr(e, index, t.Line, t.Column);
            }
            else if (t.IsOp("."))
            {
                _pos++;
                var name = Next();
                if (name.Kind != TokenKind.Name) throw Error(name, $"expected an attribute name after '.', found {name.Describe()}");
                if (IsDunder(name.Text))
                    throw Error(name, $"'.{name.Text}': attributes with dunder names are not allowed in Kiln configs; a config reads config values and calls the usual dict, list and str methods, never Python internals");
                e = new AttributeExpr(e, name.Text, name.Line, name.Column);
            }
            else return e;
        }
    }

    private List<Argument> ParseArguments()
    {
        var args = new List<Argument>();
        while (!Peek.IsOp(")"))
        {
            var t = Peek;
            if (AcceptOp("**")) args.Add(new Argument(null, ParseTest(), 2));
            else if (AcceptOp("*")) args.Add(new Argument(null, ParseTest(), 1));
            else if (t.Kind == TokenKind.Name && PeekAt(1).IsOp("="))
            {
                _pos += 2;
                args.Add(new Argument(t.Text, ParseTest(), 0));
            }
            else
            {
                var value = ParseTest();
                if (Peek.IsKeyword("for"))
                    value = new CompExpr('g', value, ParseComprehensions(), value.Line, value.Col);
                args.Add(new Argument(null, value, 0));
            }
            if (!AcceptOp(",")) break;
        }
        ExpectOp(")", "to close the argument list");
        return args;
    }

    private Expr ParseSubscriptList()
    {
        var first = ParseSubscript();
        if (!Peek.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (AcceptOp(",") && !Peek.IsOp("]")) items.Add(ParseSubscript());
        return new TupleExpr(items, first.Line, first.Col);
    }

    private Expr ParseSubscript()
    {
        var t = Peek;
        Expr? lower = null;
        if (!Peek.IsOp(":")) lower = ParseTest();
        if (!AcceptOp(":")) return lower!;
        Expr? upper = Peek.IsOp(":") || Peek.IsOp("]") || Peek.IsOp(",") ? null : ParseTest();
        Expr? step = null;
        if (AcceptOp(":") && !Peek.IsOp("]") && !Peek.IsOp(",")) step = ParseTest();
        return new SliceExpr(lower, upper, step, t.Line, t.Column);
    }

    private List<Comprehension> ParseComprehensions()
    {
        var gens = new List<Comprehension>();
        while (Peek.IsKeyword("for"))
        {
            _pos++;
            var target = ParseTargetList();
            if (!AcceptKeyword("in")) throw Error(Peek, $"expected 'in' in comprehension, found {Peek.Describe()}");
            var iter = ParseOr();
            var ifs = new List<Expr>();
            while (AcceptKeyword("if")) ifs.Add(ParseOrNoCond());
            gens.Add(new Comprehension(target, iter, ifs));
        }
        return gens;
    }

    private Expr ParseOrNoCond() => ParseOr();

    private Expr ParseAtom()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return new ConstExpr(t.Value, t.Line, t.Column);
            case TokenKind.String:
                return ParseStrings(t);
            case TokenKind.Name:
                switch (t.Text)
                {
                    case "None": return new ConstExpr(null, t.Line, t.Column);
                    case "True": return new ConstExpr(true, t.Line, t.Column);
                    case "False": return new ConstExpr(false, t.Line, t.Column);
                }
                if (Unsupported.TryGetValue(t.Text, out var why)) throw Error(t, why);
                if (Keywords.Contains(t.Text)) throw Error(t, $"invalid syntax: unexpected keyword '{t.Text}'");
                if (IsDunder(t.Text))
                    throw Error(t, $"'{t.Text}': dunder names are not allowed in Kiln configs; a config cannot reach Python internals");
                return new NameExpr(t.Text, t.Line, t.Column);
            case TokenKind.Op:
                switch (t.Text)
                {
                    case "(": return ParseParen(t);
                    case "[": return ParseListDisplay(t);
                    case "{": return ParseBraceDisplay(t);
                    case "...": return new ConstExpr(null, t.Line, t.Column);
                }
                break;
        }
        throw Error(t, t.Kind == TokenKind.Op && t.Text is "=" or "==" or ":" or ")" or "]" or "}"
            ? $"invalid syntax: unexpected {t.Describe()}"
            : $"invalid syntax: expected an expression, found {t.Describe()}");
    }

    /// <summary><c>__name__</c>: Python's special names, the doorway to its internals (<c>__import__</c>, <c>__class__</c>).</summary>
    private static bool IsDunder(string name) =>
        name.Length > 4 && name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal);
}

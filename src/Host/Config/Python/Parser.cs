namespace Kiln.Config.Python;

/// <summary>
/// A recursive-descent parser for the config subset of Python's grammar (same precedence table as CPython).
/// Constructs outside the subset (<c>import</c>, <c>def</c>, <c>class</c>, <c>lambda</c>, <c>with</c>,
/// <c>try</c>, ...) are rejected with an error that names them, because a config must stay plain data.
/// </summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> Keywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ];

    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["import"] = "imports are not allowed in Kiln configs (use _base_ to inherit, and custom_imports for plugins)",
        ["from"] = "imports are not allowed in Kiln configs (use _base_ to inherit, and custom_imports for plugins)",
        ["def"] = "functions ('def') are not allowed in Kiln configs; configs hold data only",
        ["class"] = "classes are not allowed in Kiln configs; refer to a registered type by name, e.g. type='ResNet'",
        ["lambda"] = "'lambda' is not allowed in Kiln configs; configs hold data only",
        ["with"] = "'with' is not allowed in Kiln configs (MMEngine's lazy 'with read_base()' configs are not supported; use _base_ = [...])",
        ["try"] = "'try' is not allowed in Kiln configs",
        ["raise"] = "'raise' is not allowed in Kiln configs",
        ["return"] = "'return' is not allowed in Kiln configs",
        ["yield"] = "'yield' is not allowed in Kiln configs",
        ["global"] = "'global' is not allowed in Kiln configs",
        ["nonlocal"] = "'nonlocal' is not allowed in Kiln configs",
        ["async"] = "'async' is not allowed in Kiln configs",
        ["await"] = "'await' is not allowed in Kiln configs",
    };

    private readonly List<Token> _tokens;
    private readonly string? _file;
    private int _pos;

    private Parser(List<Token> tokens, string? file)
    {
        _tokens = tokens;
        _file = file;
    }

    public static List<Stmt> ParseModule(string source, string? file)
    {
        var parser = new Parser(Lexer.Tokenize(source, file), file);
        var body = new List<Stmt>();
        while (parser.Peek.Kind != TokenKind.End)
        {
            if (parser.Peek.Kind == TokenKind.Newline) { parser._pos++; continue; }
            if (parser.Peek.Kind == TokenKind.Indent) throw parser.Error(parser.Peek, "unexpected indent");
            parser.ParseStatement(body);
        }
        return body;
    }

    /// <summary>Parses the expression inside an f-string replacement field.</summary>
    private Expr ParseSubExpression(string source, int line, int col)
    {
        try
        {
            var tokens = Lexer.Tokenize("(" + source + ")", _file, line - 1, col - 2);
            var sub = new Parser(tokens, _file);
            var expr = sub.ParseTestList();
            if (sub.Peek.Kind != TokenKind.Newline) throw sub.Error(sub.Peek, $"unexpected {sub.Peek.Describe()}");
            return expr;
        }
        catch (ConfigException e) when (e.Line > 0)
        {
            throw ConfigException.At(_file, e.Line, e.Column, $"in f-string expression '{source}': {e.Detail}");
        }
    }

    private Token Peek => _tokens[_pos];

    private Token PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_pos++];

    private ConfigException Error(Token at, string message) => ConfigException.At(_file, at.Line, at.Column, message);

    private bool AcceptOp(string op)
    {
        if (!Peek.IsOp(op)) return false;
        _pos++;
        return true;
    }

    private bool AcceptKeyword(string keyword)
    {
        if (!Peek.IsKeyword(keyword)) return false;
        _pos++;
        return true;
    }

    private Token ExpectOp(string op, string context)
    {
        if (!Peek.IsOp(op)) throw Error(Peek, $"expected '{op}' {context}, found {Peek.Describe()}");
        return Next();
    }

    private void ExpectNewline()
    {
        if (Peek.Kind == TokenKind.Newline) { _pos++; return; }
        if (Peek.Kind == TokenKind.End) return;
        throw Error(Peek, $"invalid syntax: unexpected {Peek.Describe()} (expected end of statement)");
    }

    private void ParseStatement(List<Stmt> into)
    {
        var t = Peek;
        if (t.Kind == TokenKind.Name && Unsupported.TryGetValue(t.Text, out var why)) throw Error(t, why);
        if (t.Kind == TokenKind.Op && t.Text == "@") throw Error(t, "decorators are not allowed in Kiln configs");
        if (t.IsKeyword("if")) { into.Add(ParseIf()); return; }
        if (t.IsKeyword("for")) { into.Add(ParseFor()); return; }
        if (t.IsKeyword("while"))
        {
            _pos++;
            var test = ParseTest();
            var body = ParseBlock("while");
            var orElse = ParseElse();
            into.Add(new WhileStmt(test, body, orElse, t.Line, t.Column));
            return;
        }
        while (true)
        {
            into.Add(ParseSmallStatement());
            if (!AcceptOp(";")) break;
            if (Peek.Kind is TokenKind.Newline or TokenKind.End) break;
        }
        ExpectNewline();
    }

    private IfStmt ParseIf()
    {
        var t = Next(); // 'if' or 'elif'
        var test = ParseNamedTest();
        var body = ParseBlock(t.Text);
        List<Stmt> orElse;
        if (Peek.IsKeyword("elif")) orElse = [ParseIf()];
        else orElse = ParseElse();
        return new IfStmt(test, body, orElse, t.Line, t.Column);
    }

    private ForStmt ParseFor()
    {
        var t = Next();
        var target = ParseTargetList();
        if (!AcceptKeyword("in")) throw Error(Peek, $"expected 'in' in for statement, found {Peek.Describe()}");
        var iter = ParseTestList();
        var body = ParseBlock("for");
        return new ForStmt(target, iter, body, ParseElse(), t.Line, t.Column);
    }

    private List<Stmt> ParseElse()
    {
        if (!Peek.IsKeyword("else")) return [];
        _pos++;
        return ParseBlock("else");
    }

    private List<Stmt> ParseBlock(string owner)
    {
        ExpectOp(":", $"after the '{owner}' header");
        var body = new List<Stmt>();
        if (Peek.Kind != TokenKind.Newline)
        {
            // One-line body: `if x: a = 1; b = 2`.
            ParseStatement(body);
            return body;
        }
        _pos++;
        if (Peek.Kind != TokenKind.Indent) throw Error(Peek, $"expected an indented block after '{owner}'");
        _pos++;
        while (Peek.Kind != TokenKind.Dedent && Peek.Kind != TokenKind.End)
        {
            if (Peek.Kind == TokenKind.Newline) { _pos++; continue; }
            if (Peek.Kind == TokenKind.Indent) throw Error(Peek, "unexpected indent");
            ParseStatement(body);
        }
        if (Peek.Kind == TokenKind.Dedent) _pos++;
        return body;
    }

    private Stmt ParseSmallStatement()
    {
        var t = Peek;
        if (t.Kind == TokenKind.Name && Unsupported.TryGetValue(t.Text, out var why)) throw Error(t, why);
        if (t.IsKeyword("pass") || t.IsKeyword("break") || t.IsKeyword("continue"))
        {
            _pos++;
            return new KeywordStmt(t.Text, t.Line, t.Column);
        }
        if (t.IsKeyword("del"))
        {
            _pos++;
            var targets = new List<Expr> { ParseExpr() };
            while (AcceptOp(",") && Peek.Kind != TokenKind.Newline) targets.Add(ParseExpr());
            return new DelStmt(targets, t.Line, t.Column);
        }
        if (t.IsKeyword("assert"))
        {
            _pos++;
            var test = ParseTest();
            Expr? msg = AcceptOp(",") ? ParseTest() : null;
            return new AssertStmt(test, msg, t.Line, t.Column);
        }
        var first = ParseTestListStarExpr();
        if (Peek.Kind == TokenKind.Op && Peek.Text.Length >= 2 && Peek.Text[^1] == '=' && Peek.Text is not ("==" or "<=" or ">=" or "!="))
        {
            var opToken = Next();
            CheckAssignable(first, opToken);
            if (first is TupleExpr or ListExpr) throw Error(opToken, "an augmented assignment needs a single target, not a tuple or list");
            var value = ParseTestList();
            return new AugAssignStmt(first, opToken.Text[..^1], value, opToken.Line, opToken.Column);
        }
        if (Peek.IsOp("="))
        {
            var targets = new List<Expr> { first };
            Expr value = first;
            Token eq = Peek;
            while (AcceptOp("="))
            {
                value = ParseTestListStarExpr();
                targets.Add(value);
            }
            targets.RemoveAt(targets.Count - 1);
            foreach (var target in targets) CheckAssignable(target, eq);
            return new AssignStmt(targets, value, first.Line, first.Col);
        }
        if (Peek.IsOp(":")) throw Error(Peek, "annotated assignments ('x: int = 1') are not supported in Kiln configs; write 'x = 1'");
        return new ExprStmt(first, t.Line, t.Column);
    }

    private void CheckAssignable(Expr target, Token at)
    {
        switch (target)
        {
            case NameExpr n:
                if (Keywords.Contains(n.Name)) throw Error(at, $"cannot assign to keyword '{n.Name}'");
                return;
            case AttributeExpr or SubscriptExpr:
                return;
            case TupleExpr tuple:
                foreach (var item in tuple.Items) CheckAssignable(item, at);
                return;
            case ListExpr list:
                foreach (var item in list.Items) CheckAssignable(item, at);
                return;
            case StarredExpr star:
                CheckAssignable(star.Value, at);
                return;
            default:
                throw ConfigException.At(_file, target.Line, target.Col,
                    $"cannot assign to {Describe(target)}; valid targets are names, attributes (a.b), subscripts (a[0]) and tuples of these");
        }
    }

    private static string Describe(Expr e) => e switch
    {
        ConstExpr { Value: string } or FStringExpr => "a string literal",
        ConstExpr => "a literal",
        CallExpr => "a function call",
        _ => "this expression",
    };
}

using System.Text;

namespace Kiln.Config.Python;

// Bracketed displays (tuples, lists, dicts, sets, comprehensions) and string literals, f-strings included.
internal sealed partial class Parser
{
    private Expr ParseParen(Token open)
    {
        if (AcceptOp(")")) return new TupleExpr([], open.Line, open.Column);
        var first = ParseStarOr(ParseNamedTest);
        if (Peek.IsKeyword("for"))
        {
            var gens = ParseComprehensions();
            ExpectOp(")", "to close the generator expression");
            return new CompExpr('g', first, gens, open.Line, open.Column);
        }
        if (AcceptOp(")"))
        {
            if (first is StarredExpr) throw Error(open, "a starred expression cannot stand alone in parentheses");
            return first;
        }
        var items = new List<Expr> { first };
        while (AcceptOp(","))
        {
            if (Peek.IsOp(")")) break;
            items.Add(ParseStarOr(ParseTest));
        }
        ExpectOp(")", "to close the parenthesis (or a ',' between tuple items)");
        return new TupleExpr(items, open.Line, open.Column);
    }

    private Expr ParseListDisplay(Token open)
    {
        var items = new List<Expr>();
        if (AcceptOp("]")) return new ListExpr(items, open.Line, open.Column);
        var first = ParseStarOr(ParseNamedTest);
        if (Peek.IsKeyword("for"))
        {
            var gens = ParseComprehensions();
            ExpectOp("]", "to close the list comprehension");
            return new CompExpr('l', first, gens, open.Line, open.Column);
        }
        items.Add(first);
        while (AcceptOp(","))
        {
            if (Peek.IsOp("]")) break;
            items.Add(ParseStarOr(ParseTest));
        }
        ExpectOp("]", "to close the list (or a ',' between items)");
        return new ListExpr(items, open.Line, open.Column);
    }

    private Expr ParseBraceDisplay(Token open)
    {
        var entries = new List<(Expr?, Expr)>();
        if (AcceptOp("}")) return new DictExpr(entries, open.Line, open.Column);
        if (AcceptOp("**"))
        {
            entries.Add((null, ParseExpr()));
        }
        else
        {
            var first = ParseStarOr(ParseTest);
            if (first is not StarredExpr && AcceptOp(":"))
            {
                var value = ParseTest();
                if (Peek.IsKeyword("for"))
                {
                    var gens = ParseComprehensions();
                    ExpectOp("}", "to close the dict comprehension");
                    return new DictCompExpr(first, value, gens, open.Line, open.Column);
                }
                entries.Add((first, value));
            }
            else
            {
                if (Peek.IsKeyword("for"))
                {
                    var gens = ParseComprehensions();
                    ExpectOp("}", "to close the set comprehension");
                    return new CompExpr('s', first, gens, open.Line, open.Column);
                }
                var items = new List<Expr> { first };
                while (AcceptOp(","))
                {
                    if (Peek.IsOp("}")) break;
                    items.Add(ParseStarOr(ParseTest));
                }
                ExpectOp("}", "to close the set (or a ',' between items)");
                return new SetExpr(items, open.Line, open.Column);
            }
        }
        while (AcceptOp(","))
        {
            if (Peek.IsOp("}")) break;
            if (AcceptOp("**")) { entries.Add((null, ParseExpr())); continue; }
            var key = ParseTest();
            ExpectOp(":", "between a dict key and its value");
            entries.Add((key, ParseTest()));
        }
        ExpectOp("}", "to close the dict (or a ',' between entries)");
        return new DictExpr(entries, open.Line, open.Column);
    }

    /// <summary>Adjacent string literals concatenate; if any is an f-string the result is one f-string.</summary>
    private Expr ParseStrings(Token first)
    {
        var pieces = new List<Token> { first };
        while (Peek.Kind == TokenKind.String) pieces.Add(Next());
        if (!pieces.Any(p => p.IsFString))
            return new ConstExpr(pieces.Count == 1 ? first.Value : string.Concat(pieces.Select(p => (string)p.Value!)), first.Line, first.Column);
        var parts = new List<Expr>();
        foreach (var piece in pieces)
        {
            if (piece.IsFString) parts.AddRange(ParseFStringBody((string)piece.Value!, piece));
            else parts.Add(new ConstExpr(piece.Value, piece.Line, piece.Column));
        }
        return new FStringExpr(parts, first.Line, first.Column);
    }

    private List<Expr> ParseFStringBody(string body, Token at)
    {
        var parts = new List<Expr>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < body.Length)
        {
            char c = body[i];
            if (c == '{' && i + 1 < body.Length && body[i + 1] == '{') { literal.Append('{'); i += 2; continue; }
            if (c == '}' && i + 1 < body.Length && body[i + 1] == '}') { literal.Append('}'); i += 2; continue; }
            if (c == '}') throw Error(at, "f-string: single '}' is not allowed (write '}}' for a literal brace)");
            if (c != '{') { literal.Append(c); i++; continue; }
            if (literal.Length > 0) { parts.Add(new ConstExpr(literal.ToString(), at.Line, at.Column)); literal.Clear(); }
            i++;
            int start = i;
            int depth = 0;
            char? quote = null;
            // Find the end of the expression: a top-level '!', ':' or '}' outside brackets and quotes.
            while (i < body.Length)
            {
                char ch = body[i];
                if (quote is not null) { if (ch == quote) quote = null; }
                else if (ch is '\'' or '"') quote = ch;
                else if (ch is '(' or '[' or '{') depth++;
                else if (ch is ')' or ']' or '}' && depth > 0) depth--;
                else if (depth == 0 && (ch == '}' || ch == ':' || (ch == '!' && i + 1 < body.Length && body[i + 1] != '='))) break;
                i++;
            }
            if (i >= body.Length) throw Error(at, "f-string: expecting '}'");
            string exprText = body[start..i];
            if (exprText.Trim().Length == 0) throw Error(at, "f-string: empty expression not allowed");
            bool selfDoc = exprText.TrimEnd().EndsWith('=') && !exprText.TrimEnd().EndsWith("==");
            if (selfDoc) exprText = exprText.TrimEnd()[..^1];
            var expr = ParseSubExpression(exprText, at.Line, at.Column + 2 + start);
            char conversion = '\0';
            if (body[i] == '!')
            {
                if (i + 1 >= body.Length || body[i + 1] is not ('r' or 's' or 'a'))
                    throw Error(at, "f-string: invalid conversion character (expected '!r', '!s' or '!a')");
                conversion = body[i + 1];
                i += 2;
            }
            Expr? spec = null;
            if (i < body.Length && body[i] == ':')
            {
                i++;
                int specStart = i;
                int nested = 0;
                while (i < body.Length && (body[i] != '}' || nested > 0))
                {
                    if (body[i] == '{') nested++;
                    else if (body[i] == '}') nested--;
                    i++;
                }
                string specText = body[specStart..i];
                var specParts = ParseFStringBody(specText, at);
                spec = new FStringExpr(specParts, at.Line, at.Column);
            }
            if (i >= body.Length || body[i] != '}') throw Error(at, "f-string: expecting '}'");
            i++;
            if (selfDoc)
            {
                parts.Add(new ConstExpr(exprText + "=", at.Line, at.Column));
                if (conversion == '\0' && spec is null) conversion = 'r';
            }
            parts.Add(new FormattedExpr(expr, conversion, spec, at.Line, at.Column));
        }
        if (literal.Length > 0) parts.Add(new ConstExpr(literal.ToString(), at.Line, at.Column));
        return parts;
    }
}

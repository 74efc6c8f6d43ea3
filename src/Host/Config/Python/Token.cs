namespace Kiln.Config.Python;

internal enum TokenKind
{
    Name,
    Number,
    String,
    Op,
    Newline,
    Indent,
    Dedent,
    End,
}

/// <summary>
/// One token. For <see cref="TokenKind.String"/>, <see cref="Value"/> is the decoded text, or for an f-string
/// the raw body (escapes undone, braces kept) which the parser splits into literal and expression parts.
/// </summary>
internal sealed record Token(TokenKind Kind, string Text, object? Value, int Line, int Column, bool IsFString = false)
{
    public bool IsOp(string op) => Kind == TokenKind.Op && Text == op;

    public bool IsKeyword(string keyword) => Kind == TokenKind.Name && Text == keyword;

    public string Describe() => Kind switch
    {
        TokenKind.Newline => "end of line",
        TokenKind.Indent => "indent",
        TokenKind.Dedent => "dedent",
        TokenKind.End => "end of file",
        _ => $"'{Text}'",
    };
}

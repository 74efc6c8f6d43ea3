using System.Globalization;
using System.Text;

namespace Kiln.Config.Python;

/// <summary>
/// Python's tokenizer for the config subset: INDENT/DEDENT from leading whitespace, no NEWLINE inside brackets
/// or after a backslash continuation, comments, every string form (prefixes r/u/f/rf/fr, single and triple
/// quotes) and every number form (decimal, hex, octal, binary, underscores, exponents).
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
    [
        "**=", "//=", ">>=", "<<=", "...",
        "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "->", ":=",
        "+", "-", "*", "/", "%", "@", "<", ">", "=", ".", ",", ":", ";", "(", ")", "[", "]", "{", "}", "&", "|", "^", "~",
    ];

    // Operators grouped by first character, longest first, so matching one costs a few compares, not ~50.
    private static readonly Dictionary<char, string[]> OperatorsByFirstChar = Operators
        .GroupBy(op => op[0])
        .ToDictionary(g => g.Key, g => g.OrderByDescending(op => op.Length).ToArray());

    private readonly string _src;
    private readonly string? _file;
    private readonly int _lineOffset;
    private readonly int _columnOffset;
    private readonly List<Token> _tokens = [];
    private readonly Stack<int> _indents = new([0]);
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    private int _depth;
    private readonly Stack<(string Op, int Line, int Column)> _open = new();

    private Lexer(string src, string? file, int lineOffset, int columnOffset)
    {
        _src = src;
        _file = file;
        _lineOffset = lineOffset;
        _columnOffset = columnOffset;
    }

    /// <summary>Tokenizes a whole file, or (with offsets) an f-string replacement field.</summary>
    public static List<Token> Tokenize(string src, string? file, int lineOffset = 0, int columnOffset = 0)
    {
        var lexer = new Lexer(src, file, lineOffset, columnOffset);
        lexer.Run();
        return lexer._tokens;
    }

    private int Column => _pos - _lineStart + 1 + (_line == 1 ? _columnOffset : 0);

    private ConfigException Error(string message) => ConfigException.At(_file, _line + _lineOffset, Column, message);

    private void Add(TokenKind kind, string text, object? value, int line, int col, bool fstring = false) =>
        _tokens.Add(new Token(kind, text, value, line + _lineOffset, col, fstring));

    private void Run()
    {
        bool atLineStart = true;
        while (true)
        {
            if (atLineStart && _depth == 0)
            {
                if (!HandleIndentation()) break;
                atLineStart = false;
            }
            if (_pos >= _src.Length) break;
            char c = _src[_pos];
            if (c is ' ' or '\t' or '\f') { _pos++; continue; }
            if (c == '#') { SkipComment(); continue; }
            if (c == '\\' && _pos + 1 < _src.Length && (_src[_pos + 1] == '\n' || _src[_pos + 1] == '\r'))
            {
                _pos++;
                if (_src[_pos] == '\r' && _pos + 1 < _src.Length && _src[_pos + 1] == '\n') _pos++;
                NewLine();
                continue;
            }
            if (c is '\n' or '\r')
            {
                if (_depth == 0) Add(TokenKind.Newline, "\\n", null, _line, Column);
                if (c == '\r' && _pos + 1 < _src.Length && _src[_pos + 1] == '\n') _pos++;
                NewLine();
                // Inside brackets a line break is just whitespace: indentation is not measured there.
                atLineStart = _depth == 0;
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1])))
            {
                ReadNumber();
                continue;
            }
            if (c == '_' || char.IsLetter(c))
            {
                int start = _pos;
                while (_pos < _src.Length && (_src[_pos] == '_' || char.IsLetterOrDigit(_src[_pos]))) _pos++;
                string word = _src[start.._pos];
                if (_pos < _src.Length && (_src[_pos] == '\'' || _src[_pos] == '"') && IsStringPrefix(word))
                {
                    ReadString(word.ToLowerInvariant(), start);
                    continue;
                }
                Add(TokenKind.Name, word, null, _line, start - _lineStart + 1 + (_line == 1 ? _columnOffset : 0));
                continue;
            }
            if (c is '\'' or '"') { ReadString("", _pos); continue; }
            ReadOperator();
        }
        if (_open.Count > 0)
        {
            // Report the bracket that was left open, not the end of file where Python's parser would give up.
            var (opener, line, column) = _open.Reverse().First();
            throw ConfigException.At(_file, line, column, $"'{opener}' was never closed");
        }
        int col = Column;
        if (_tokens.Count > 0 && _tokens[^1].Kind is not (TokenKind.Newline or TokenKind.Dedent or TokenKind.Indent))
            Add(TokenKind.Newline, "\\n", null, _line, col);
        while (_indents.Count > 1)
        {
            _indents.Pop();
            Add(TokenKind.Dedent, "", null, _line, col);
        }
        Add(TokenKind.End, "", null, _line, col);
    }

    private static bool IsStringPrefix(string word) => word.ToLowerInvariant() switch
    {
        "r" or "u" or "f" or "rf" or "fr" => true,
        "b" or "br" or "rb" => true, // recognised here so that the error below can name them
        _ => false,
    };

    private void NewLine()
    {
        _pos++;
        _line++;
        _lineStart = _pos;
    }

    private void SkipComment()
    {
        while (_pos < _src.Length && _src[_pos] != '\n' && _src[_pos] != '\r') _pos++;
    }

    /// <summary>Measures a logical line's indentation; skips blank and comment-only lines. False at end of file.</summary>
    private bool HandleIndentation()
    {
        while (true)
        {
            int width = 0;
            while (_pos < _src.Length && _src[_pos] is ' ' or '\t' or '\f')
            {
                width = _src[_pos] == '\t' ? (width / 8 + 1) * 8 : width + 1;
                _pos++;
            }
            if (_pos >= _src.Length) return false;
            char c = _src[_pos];
            if (c == '#') { SkipComment(); continue; }
            if (c is '\n' or '\r')
            {
                if (c == '\r' && _pos + 1 < _src.Length && _src[_pos + 1] == '\n') _pos++;
                NewLine();
                continue;
            }
            if (c == '\\' && _pos + 1 < _src.Length && _src[_pos + 1] is '\n' or '\r') return true;
            int current = _indents.Peek();
            if (width > current)
            {
                _indents.Push(width);
                Add(TokenKind.Indent, "", null, _line, Column);
            }
            else
            {
                while (width < _indents.Peek())
                {
                    _indents.Pop();
                    Add(TokenKind.Dedent, "", null, _line, Column);
                }
                if (width != _indents.Peek())
                    throw Error("unindent does not match any outer indentation level");
            }
            return true;
        }
    }

    private void ReadOperator()
    {
        if (!OperatorsByFirstChar.TryGetValue(_src[_pos], out var candidates))
            throw Error($"invalid character '{_src[_pos]}' (U+{(int)_src[_pos]:X4})");
        foreach (string op in candidates)
        {
            if (string.CompareOrdinal(_src, _pos, op, 0, op.Length) != 0) continue;
            int col = Column;
            _pos += op.Length;
            if (op is "(" or "[" or "{")
            {
                _depth++;
                _open.Push((op, _line + _lineOffset, col));
            }
            else if (op is ")" or "]" or "}")
            {
                if (_depth == 0) throw ConfigException.At(_file, _line + _lineOffset, col, $"unmatched '{op}'");
                var (opener, line, column) = _open.Pop();
                string expected = opener switch { "(" => ")", "[" => "]", _ => "}" };
                if (op != expected)
                    throw ConfigException.At(_file, _line + _lineOffset, col,
                        $"closing '{op}' does not match opening '{opener}' at line {line}, column {column} (expected '{expected}')");
                _depth--;
            }
            Add(TokenKind.Op, op, null, _line, col);
            return;
        }
        throw Error($"invalid character '{_src[_pos]}' (U+{(int)_src[_pos]:X4})");
    }

    private void ReadNumber()
    {
        int start = _pos;
        int col = Column;
        if (_src[_pos] == '0' && _pos + 1 < _src.Length && char.ToLowerInvariant(_src[_pos + 1]) is 'x' or 'o' or 'b')
        {
            char kind = char.ToLowerInvariant(_src[_pos + 1]);
            _pos += 2;
            int digitsStart = _pos;
            while (_pos < _src.Length && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
            string digits = _src[digitsStart.._pos].Replace("_", "");
            int radix = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
            try
            {
                if (digits.Length == 0) throw new FormatException();
                Add(TokenKind.Number, _src[start.._pos], Convert.ToInt64(digits, radix), _line, col);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw ConfigException.At(_file, _line + _lineOffset, col, $"invalid number literal '{_src[start.._pos]}'");
            }
            return;
        }
        bool isFloat = false;
        while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
        if (_pos < _src.Length && _src[_pos] == '.')
        {
            isFloat = true;
            _pos++;
            while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
        }
        if (_pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-') _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                isFloat = true;
                while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
            }
            else _pos = save;
        }
        string text = _src[start.._pos];
        if (_pos < _src.Length && (char.IsLetter(_src[_pos]) || _src[_pos] == '_'))
            throw ConfigException.At(_file, _line + _lineOffset, col,
                $"invalid number literal '{text}{_src[_pos]}' (complex numbers and suffixes are not supported)");
        string clean = text.Replace("_", "");
        if (isFloat)
        {
            Add(TokenKind.Number, text, double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture), _line, col);
        }
        else
        {
            if (clean.Length > 1 && clean[0] == '0' && clean.Any(ch => ch != '0'))
                throw ConfigException.At(_file, _line + _lineOffset, col,
                    $"invalid number literal '{text}': leading zeros are not allowed (use 0o for octal)");
            if (!long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                throw ConfigException.At(_file, _line + _lineOffset, col, $"integer literal '{text}' is too large (limit: 64-bit)");
            Add(TokenKind.Number, text, value, _line, col);
        }
    }

    private void ReadString(string prefix, int start)
    {
        int line = _line;
        int col = start - _lineStart + 1 + (_line == 1 ? _columnOffset : 0);
        if (prefix.Contains('b'))
            throw ConfigException.At(_file, line + _lineOffset, col, "bytes literals are not supported in configs; use a str");
        bool raw = prefix.Contains('r');
        bool fstring = prefix.Contains('f');
        char quote = _src[_pos];
        bool triple = _pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length)
                throw ConfigException.At(_file, line + _lineOffset, col,
                    triple ? "unterminated triple-quoted string" : "unterminated string literal");
            char c = _src[_pos];
            if (c == quote && (!triple || (_pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }
            if (c is '\n' or '\r')
            {
                if (!triple)
                    throw ConfigException.At(_file, line + _lineOffset, col, "unterminated string literal (end of line inside a string)");
                if (c == '\r' && _pos + 1 < _src.Length && _src[_pos + 1] == '\n') _pos++;
                sb.Append('\n');
                NewLine();
                continue;
            }
            if (c == '\\')
            {
                if (_pos + 1 >= _src.Length) { _pos++; continue; }
                char n = _src[_pos + 1];
                if (raw)
                {
                    // Raw strings keep the backslash, but it still stops the next quote ending the string.
                    sb.Append('\\');
                    if (n is '\n' or '\r') { _pos++; sb.Append('\n'); NewLine(); continue; }
                    sb.Append(n);
                    _pos += 2;
                    continue;
                }
                _pos += 2;
                switch (n)
                {
                    case '\n': _line++; _lineStart = _pos; break;
                    case '\r':
                        if (_pos < _src.Length && _src[_pos] == '\n') _pos++;
                        _line++; _lineStart = _pos; break;
                    case '\\': sb.Append('\\'); break;
                    case '\'': sb.Append('\''); break;
                    case '"': sb.Append('"'); break;
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'v': sb.Append('\v'); break;
                    case 'x': sb.Append(ReadHexEscape(2)); break;
                    case 'u': sb.Append(ReadHexEscape(4)); break;
                    case 'U': sb.Append(ReadHexEscape(8)); break;
                    case >= '0' and <= '7':
                    {
                        int value = n - '0';
                        for (int k = 0; k < 2 && _pos < _src.Length && _src[_pos] is >= '0' and <= '7'; k++)
                            value = value * 8 + (_src[_pos++] - '0');
                        sb.Append((char)value);
                        break;
                    }
                    default:
                        // Python keeps unknown escapes as written ('\d' stays backslash-d).
                        sb.Append('\\').Append(n);
                        break;
                }
                continue;
            }
            sb.Append(c);
            _pos++;
        }
        string text = _src[start.._pos];
        Add(TokenKind.String, text, sb.ToString(), line, col, fstring);
    }

    private string ReadHexEscape(int digits)
    {
        if (_pos + digits > _src.Length) throw Error("truncated \\x/\\u escape in string");
        string hex = _src.Substring(_pos, digits);
        if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
            throw Error($"invalid escape '\\{hex}' in string");
        _pos += digits;
        return char.ConvertFromUtf32(code);
    }
}

namespace Kiln.Config;

/// <summary>
/// A config could not be read, evaluated, merged or written. The message names the place
/// (<c>file:line:column</c> where one is known), the offending token, key or name, and what would be valid.
/// </summary>
/// <remarks>
/// MMEngine raises <c>KeyError</c>, <c>TypeError</c>, <c>SyntaxError</c> and <c>OSError</c> for these cases;
/// one exception type keeps callers simple, and the message carries the distinction.
/// </remarks>
public sealed class ConfigException : KilnException
{
    public ConfigException(string message) : base(message)
    {
    }

    public ConfigException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The file the error is in, when known.</summary>
    public string? FileName { get; init; }

    /// <summary>The 1-based line of the error, or 0 when not tied to a line.</summary>
    public int Line { get; init; }

    /// <summary>The 1-based column of the error, or 0 when not tied to a column.</summary>
    public int Column { get; init; }

    /// <summary>The message without its <c>file:line:column:</c> prefix, for errors that wrap another.</summary>
    internal string Detail { get; init; } = "";

    /// <summary>The text of the source line at <see cref="Line"/>, when the error was tied to one; null otherwise.</summary>
    public string? SourceLine { get; init; }

    /// <summary>
    /// This error with the source line quoted below the message and, when the column is known, a caret under it
    /// (as Python prints a <c>SyntaxError</c>).
    /// </summary>
    /// <remarks>
    /// <paramref name="parsed"/> is the text after <c>{{...}}</c> substitutions, which columns refer to;
    /// <paramref name="original"/> is the file as written, quoted instead when the line is the same or has no column.
    /// </remarks>
    internal ConfigException WithSource(string parsed, string original)
    {
        string? line = LineOf(parsed, Line);
        string? written = LineOf(original, Line);
        if (written is not null && (Column == 0 || written == line)) line = written;
        if (line is null) return this;
        var caret = new System.Text.StringBuilder();
        for (int i = 0; i < Column - 1 && i < line.Length; i++) caret.Append(line[i] == '\t' ? '\t' : ' ');
        string quoted = Column > 0 ? $"\n    {line}\n    {caret}^" : $"\n    {line}";
        return new ConfigException(Message + quoted, this)
        {
            FileName = FileName, Line = Line, Column = Column, Detail = Detail, SourceLine = line,
        };
    }

    private static string? LineOf(string text, int number)
    {
        int start = 0;
        for (int n = 1; n < number; n++)
        {
            start = text.IndexOf('\n', start);
            if (start < 0) return null;
            start++;
        }
        if (start > text.Length) return null;
        int end = text.IndexOf('\n', start);
        return (end < 0 ? text[start..] : text[start..end]).TrimEnd('\r');
    }

    internal static ConfigException At(string? file, int line, int column, string message) =>
        new($"{file ?? "<string>"}:{line}:{column}: {message}") { FileName = file, Line = line, Column = column, Detail = message };
}

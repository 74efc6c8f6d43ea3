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

    internal static ConfigException At(string? file, int line, int column, string message) =>
        new($"{file ?? "<string>"}:{line}:{column}: {message}") { FileName = file, Line = line, Column = column, Detail = message };
}

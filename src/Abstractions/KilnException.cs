namespace Kiln;

/// <summary>
/// An error in what the user gave Kiln (a config file, a key, a value, a plugin folder), as opposed to a bug.
/// The CLI prints its message alone, without a stack trace unless <c>--debug</c> is given, and exits non-zero.
/// The message must name the file, key or value at fault and say what would be valid.
/// </summary>
public class KilnException : Exception
{
    public KilnException(string message) : base(message) { }

    public KilnException(string message, Exception? inner) : base(message, inner) { }
}

namespace Kiln.Config.Python;

/// <summary>
/// An evaluation error without a place; the interpreter catches it and rethrows a <see cref="ConfigException"/>
/// at the node being evaluated, so helpers need not carry locations around.
/// </summary>
internal sealed class PyError(string message) : Exception(message);

namespace Kiln.Checkpoints;

/// <summary>A reference to a Python global (<c>module.name</c>) on the unpickler's stack; never resolved to code.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

using Kiln.Registry;

namespace Kiln.Fixture.TwoEntries;

/// <summary>Second of two entries; a plugin must have exactly one.</summary>
public sealed class SecondEntry : IKilnPlugin
{
    public string Scope => "second";
}

using Kiln.Registry;

[assembly: KilnPlugin("first")]

namespace Kiln.Fixture.TwoEntries;

/// <summary>First of two entries; a plugin must have exactly one.</summary>
public sealed class FirstEntry : IKilnPlugin
{
    public string Scope => "first";
}

using Kiln.Registry;

[assembly: KilnPlugin("fixture")]

namespace Kiln.Fixture.Plugin;

/// <summary>The fixture plugin's entry: owns the <c>fixture</c> scope; its model registers by attribute.</summary>
public sealed class FixturePlugin : IKilnPlugin
{
    public string Scope => "fixture";
}

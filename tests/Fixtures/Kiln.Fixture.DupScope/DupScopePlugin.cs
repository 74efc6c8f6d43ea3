using Kiln.Registry;

[assembly: KilnPlugin("fixture")]

namespace Kiln.Fixture.DupScope;

/// <summary>Claims the <c>fixture</c> scope Kiln.Fixture.Plugin already owns.</summary>
public sealed class DupScopePlugin : IKilnPlugin
{
    public DupScopePlugin() => throw new InvalidOperationException("a plugin skipped for its scope must never be instantiated");

    public string Scope => "fixture";
}

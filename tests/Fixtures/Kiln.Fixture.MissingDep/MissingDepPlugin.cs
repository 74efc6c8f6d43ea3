using Kiln.Fixture.AbsentLib;
using Kiln.Registry;

[assembly: KilnPlugin("missingdep")]

namespace Kiln.Fixture.MissingDep;

/// <summary>The entry: owns the <c>missingdep</c> scope; its function needs the absent library.</summary>
public sealed class MissingDepPlugin : IKilnPlugin
{
    public string Scope => "missingdep";

    public void Register(IPluginRegistrar registrar) =>
        registrar.Register(Registries.Functions, "greet", (_, _) => Greeting.Text);
}

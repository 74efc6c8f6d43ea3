using Kiln.Registry;

[assembly: KilnPlugin("future", apiVersion: "1.1")]

namespace Kiln.Fixture.Future;

/// <summary>Declares API 1.1; the host (API 1.0) must skip it from its metadata without creating this class.</summary>
public sealed class FuturePlugin : IKilnPlugin
{
    public FuturePlugin() => throw new InvalidOperationException("a plugin built for a newer API must never be instantiated");

    public string Scope => "future";
}

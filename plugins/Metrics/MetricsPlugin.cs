using Kiln.Registry;

[assembly: KilnPlugin("metrics")]

namespace Kiln.Metrics;

/// <summary>The metrics plugin's entry: owns the <c>metrics</c> scope; its metrics register by attribute.</summary>
public sealed class MetricsPlugin : IKilnPlugin
{
    public string Scope => "metrics";
}

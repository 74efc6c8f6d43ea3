using Kiln.Registry;

[assembly: KilnPlugin("vision")]

namespace Kiln.Vision;

/// <summary>The vision plugin's entry: owns the <c>vision</c> scope; its models and datasets register by attribute.</summary>
public sealed class VisionPlugin : IKilnPlugin
{
    public string Scope => "vision";
}

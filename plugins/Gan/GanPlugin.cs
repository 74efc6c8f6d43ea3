using Kiln.Registry;

[assembly: KilnPlugin("gan")]

namespace Kiln.Gan;

/// <summary>
/// The GAN plugin's entry: owns the <c>gan</c> scope, which holds the GAN tutorial's <c>Generator</c>,
/// <c>Discriminator</c> and <c>GAN</c> model (MODELS) and the <c>GanSampleHook</c> (HOOKS).
/// </summary>
public sealed class GanPlugin : IKilnPlugin
{
    public string Scope => "gan";
}

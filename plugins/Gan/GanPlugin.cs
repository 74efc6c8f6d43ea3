using Kiln.Registry;

[assembly: KilnPlugin("gan")]

namespace Kiln.Gan;

/// <summary>
/// The GAN plugin's entry: owns the <c>gan</c> scope. Its generator, discriminator, GAN model and sample hook
/// arrive with issue 11; until then the scope exists (so configs can name it) and holds no components.
/// </summary>
public sealed class GanPlugin : IKilnPlugin
{
    public string Scope => "gan";
}

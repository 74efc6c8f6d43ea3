using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Registry;

/// <summary>
/// A plugin's single entry point. The host creates it once per plugin assembly, registers the plugin's
/// <see cref="RegisterAttribute"/> classes under <see cref="Scope"/>, then calls <see cref="Register"/> and
/// <see cref="ConfigureServices"/>.
/// </summary>
public interface IKilnPlugin
{
    /// <summary>The registry scope the plugin's components live in (<c>vision</c>, <c>gan</c>, <c>metrics</c>).</summary>
    string Scope { get; }

    /// <summary>Explicit registrations beyond the <see cref="RegisterAttribute"/> classes (functions, factories).</summary>
    void Register(IPluginRegistrar registrar) { }

    /// <summary>Adds the plugin's services to the host's container.</summary>
    void ConfigureServices(IServiceCollection services) { }
}

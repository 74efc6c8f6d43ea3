using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;

[assembly: KilnPlugin("throwing")]

namespace Kiln.Fixture.Throwing;

/// <summary>Registers a component and a service, then throws: nothing of it may stay in the host.</summary>
public sealed class ThrowingPlugin : IKilnPlugin
{
    public string Scope => "throwing";

    public void Register(IPluginRegistrar registrar) =>
        registrar.Register(Registries.Functions, "half_registered", (_, _) => "never built");

    public void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<ThrowingPlugin>();
        throw new InvalidOperationException("the throwing fixture refuses to configure its services");
    }
}

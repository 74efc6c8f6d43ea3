namespace Kiln.Registry;

/// <summary>
/// Declares an assembly a Kiln plugin: the registry scope it owns and the Kiln API version it was compiled for.
/// The host reads it from the assembly's metadata (System.Reflection.Metadata) before running any plugin code, so a
/// plugin built for a newer API, or one claiming a scope another plugin has, is refused without being loaded.
/// </summary>
/// <example><code>[assembly: KilnPlugin("vision")]</code></example>
/// <param name="scope">The registry scope (<c>vision</c>); it must equal the entry class's <see cref="IKilnPlugin.Scope"/>.</param>
/// <param name="apiVersion">
/// The Kiln API version (<c>major.minor</c>) the plugin was built for. Leave it out: the compiler writes the
/// default, <see cref="KilnApi.Version"/> of the Kiln.Abstractions the plugin compiles against, into the assembly.
/// </param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class KilnPluginAttribute(string scope, string apiVersion = KilnApi.Version) : Attribute
{
    public string Scope { get; } = scope;

    public string ApiVersion { get; } = apiVersion;
}

/// <summary>The version of the contract between the host and plugins (this assembly's public surface).</summary>
public static class KilnApi
{
    /// <summary>
    /// <c>major.minor</c>. A host loads plugins built for its own major version and a minor version up to its own;
    /// a plugin built for a newer minor or another major is refused (it may use members this host lacks).
    /// </summary>
    public const string Version = "1.0";
}

using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Kiln.Registry;

namespace Kiln.Plugins;

/// <summary>
/// What the host knows about a plugin before running any of its code, read from the assembly's metadata tables with
/// System.Reflection.Metadata: its name and version, the <see cref="KilnPluginAttribute"/> (scope, Kiln API version)
/// and the assemblies it references.
/// </summary>
/// <param name="Name">The assembly's simple name.</param>
/// <param name="Scope">The scope <see cref="KilnPluginAttribute"/> declares, or null when the attribute is absent.</param>
/// <param name="Version">The informational version (without a <c>+commit</c> suffix), else the assembly version.</param>
/// <param name="ApiVersion">The Kiln API version the plugin was built for, or null when the attribute is absent.</param>
/// <param name="References">The assemblies the plugin references.</param>
public sealed record PluginMetadata(string Name, string? Scope, string Version, string? ApiVersion, string AssemblyPath, IReadOnlyList<AssemblyName> References)
{
    private const string AttributeNamespace = "Kiln.Registry";
    private const string AttributeName = nameof(KilnPluginAttribute);

    /// <summary>Reads <paramref name="assemblyPath"/>'s metadata; a file that is no .NET assembly is a <see cref="KilnException"/>.</summary>
    public static PluginMetadata Read(string assemblyPath)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) throw new BadImageFormatException("the file has no .NET metadata");
            var md = pe.GetMetadataReader();
            var definition = md.GetAssemblyDefinition();
            string name = md.GetString(definition.Name);
            string? scope = null, api = null, informational = null;
            foreach (var handle in definition.GetCustomAttributes())
            {
                var attribute = md.GetCustomAttribute(handle);
                var (ns, typeName) = AttributeType(md, attribute);
                if (ns == AttributeNamespace && typeName == AttributeName)
                {
                    var value = attribute.DecodeValue(StringOnlyProvider.Instance);
                    scope = value.FixedArguments.ElementAtOrDefault(0).Value as string;
                    api = value.FixedArguments.ElementAtOrDefault(1).Value as string;
                }
                else if (ns == "System.Reflection" && typeName == nameof(AssemblyInformationalVersionAttribute))
                {
                    informational = attribute.DecodeValue(StringOnlyProvider.Instance).FixedArguments.ElementAtOrDefault(0).Value as string;
                }
            }
            string version = informational?.Split('+')[0] ?? definition.Version.ToString(3);
            var references = md.AssemblyReferences.Select(r => md.GetAssemblyReference(r).GetAssemblyName()).ToList();
            return new PluginMetadata(name, scope, version, api, Path.GetFullPath(assemblyPath), references);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new KilnException($"plugin '{assemblyPath}' is not a readable .NET assembly: {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether a plugin built for <paramref name="pluginApi"/> runs on this host's <see cref="KilnApi.Version"/>:
    /// the same major version and a minor version no newer than the host's. Null when it does; the reason otherwise.
    /// </summary>
    public static string? Incompatibility(string pluginApi, string hostApi = KilnApi.Version)
    {
        if (!TryParse(pluginApi, out var plugin))
            return $"its Kiln API version '{pluginApi}' is not of the form major.minor";
        TryParse(hostApi, out var host);
        if (plugin.Major != host.Major || plugin.Minor > host.Minor)
            return $"it was built for Kiln API {pluginApi}, and this host provides API {hostApi} " +
                   $"(it loads plugins built for {host.Major}.0 to {hostApi}); rebuild the plugin against this Kiln.Abstractions or update kiln";
        return null;
    }

    private static bool TryParse(string s, out (int Major, int Minor) version)
    {
        var parts = s.Split('.');
        version = default;
        if (parts.Length != 2 || !int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int major)
            || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int minor)) return false;
        version = (major, minor);
        return true;
    }

    private static (string Namespace, string Name) AttributeType(MetadataReader md, CustomAttribute attribute)
    {
        EntityHandle type = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            HandleKind.MethodDefinition => md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default,
        };
        return type.Kind switch
        {
            HandleKind.TypeReference when md.GetTypeReference((TypeReferenceHandle)type) is var r => (md.GetString(r.Namespace), md.GetString(r.Name)),
            HandleKind.TypeDefinition when md.GetTypeDefinition((TypeDefinitionHandle)type) is var d => (md.GetString(d.Namespace), md.GetString(d.Name)),
            _ => ("", ""),
        };
    }

    /// <summary>Decodes attribute blobs whose arguments are strings (the only kind these attributes take).</summary>
    private sealed class StringOnlyProvider : ICustomAttributeTypeProvider<Type?>
    {
        public static readonly StringOnlyProvider Instance = new();

        public Type? GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode == PrimitiveTypeCode.String ? typeof(string) : null;
        public Type? GetSystemType() => typeof(Type);
        public Type? GetSZArrayType(Type? elementType) => null;
        public Type? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => null;
        public Type? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => null;
        public Type? GetTypeFromSerializedName(string name) => null;
        public PrimitiveTypeCode GetUnderlyingEnumType(Type? type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(Type? type) => type == typeof(Type);
    }
}

using System.Reflection;

namespace Kiln;

/// <summary>The host's version, as <c>kiln --version</c> prints it and checkpoints record it.</summary>
public static class KilnVersion
{
    public static string Current { get; } =
        typeof(KilnVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(KilnVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

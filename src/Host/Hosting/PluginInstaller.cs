using System.IO.Compression;
using Kiln.Plugins;

namespace Kiln.Hosting;

/// <summary>What <see cref="PluginInstaller.Install"/> put where.</summary>
public sealed record InstalledPlugin(string Name, string Scope, string Version, string Directory, bool Replaced);

/// <summary>
/// <c>kiln plugins install</c>: unpacks a plugin package (a <c>.nupkg</c> made by <c>dotnet pack</c> of a Kiln plugin
/// project, whose <c>kiln-plugin/&lt;name&gt;/</c> folder is the plugin folder), an unpacked package, or a plugin folder
/// (a built plugin's output: its dll and <c>.deps.json</c>) into <c>&lt;root&gt;/&lt;name&gt;/</c>. The plugin's
/// metadata is checked before anything is replaced, so a bad package leaves the plugins folder as it was.
/// </summary>
public static class PluginInstaller
{
    /// <summary>The folder inside a plugin package that holds the plugin folder(s).</summary>
    public const string PackageFolder = "kiln-plugin";

    public static IReadOnlyList<InstalledPlugin> Install(string source, string root)
    {
        string full = Path.GetFullPath(source);
        Directory.CreateDirectory(root);
        string staging = Path.Combine(root, $".installing-{Guid.NewGuid():N}");
        try
        {
            var folders = File.Exists(full) ? ExtractPackage(full, staging)
                : Directory.Exists(full) ? StageFolder(full, staging)
                : throw new KilnException($"plugin source '{source}' does not exist; give a plugin package (.nupkg) or a plugin folder.");
            var checkedFolders = folders.Select(f => (Folder: f.Folder, Name: f.Name, Metadata: Check(f.Folder, source))).ToList();
            var installed = new List<InstalledPlugin>();
            foreach (var (folder, name, metadata) in checkedFolders)
            {
                string target = Path.Combine(root, name);
                bool replaced = Directory.Exists(target);
                if (replaced) Directory.Delete(target, recursive: true);
                Directory.Move(folder, target);
                installed.Add(new InstalledPlugin(metadata.Name, metadata.Scope!, metadata.Version, target, replaced));
            }
            return installed;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Unpacks every <c>kiln-plugin/&lt;name&gt;/</c> folder of the package into <paramref name="staging"/>.</summary>
    private static List<(string Folder, string Name)> ExtractPackage(string package, string staging)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(package);
        }
        catch (InvalidDataException e)
        {
            throw new KilnException($"'{package}' is not a plugin package (.nupkg, a zip file): {e.Message}", e);
        }
        using (zip)
        {
            var names = new List<string>();
            foreach (var entry in zip.Entries)
            {
                var parts = entry.FullName.Split('/');
                if (parts.Length < 3 || parts[0] != PackageFolder || parts[^1].Length == 0) continue;
                if (parts.Any(p => p is ".." or "." || p.Contains('\\'))) throw new KilnException($"'{package}' has an unsafe entry '{entry.FullName}'.");
                string destination = Path.Combine([staging, .. parts[1..]]);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                entry.ExtractToFile(destination);
                if (!names.Contains(parts[1])) names.Add(parts[1]);
            }
            if (names.Count == 0)
                throw new KilnException($"'{package}' is not a Kiln plugin package: it has no {PackageFolder}/<name>/ folder. " +
                    "A plugin project (one with <IsKilnPlugin>true</IsKilnPlugin>, as under plugins/) packs one with `dotnet pack`.");
            return names.Select(n => (Path.Combine(staging, n), n)).ToList();
        }
    }

    /// <summary>An unpacked package (has <c>kiln-plugin/</c>) or a plugin folder, copied into <paramref name="staging"/>.</summary>
    private static List<(string Folder, string Name)> StageFolder(string folder, string staging)
    {
        string packaged = Path.Combine(folder, PackageFolder);
        if (Directory.Exists(packaged))
            return Directory.GetDirectories(packaged).Order(StringComparer.Ordinal)
                .Select(d => { string name = Path.GetFileName(d); Copy(d, Path.Combine(staging, name)); return (Path.Combine(staging, name), name); })
                .ToList();
        string entry = PluginLoader.EntryAssemblyIn(folder)
            ?? throw new KilnException($"'{folder}' is not a plugin folder: it has no <Assembly>.dll with its <Assembly>.deps.json (a plugin's build output), and no {PackageFolder}/ folder (an unpacked plugin package).");
        var metadata = PluginMetadata.Read(entry);
        string name = metadata.Scope ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        Copy(folder, Path.Combine(staging, name));
        return [(Path.Combine(staging, name), name)];
    }

    /// <summary>The plugin's metadata, when it is one this host can load; otherwise why not.</summary>
    private static PluginMetadata Check(string folder, string source)
    {
        string entry = PluginLoader.EntryAssemblyIn(folder)
            ?? throw new KilnException($"'{source}': {Path.GetFileName(folder)}/ has no <Assembly>.dll with its <Assembly>.deps.json, so it is not a plugin folder.");
        var metadata = PluginMetadata.Read(entry);
        if (metadata.Scope is null || metadata.ApiVersion is not { } api)
            throw new KilnException($"'{source}': {metadata.Name} has no [assembly: KilnPlugin(\"<scope>\")] attribute, so it is not a Kiln plugin.");
        if (PluginMetadata.Incompatibility(api) is { } reason)
            throw new KilnException($"'{source}': {metadata.Name} cannot load here: {reason}.");
        return metadata;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}

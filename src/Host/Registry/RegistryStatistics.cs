using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Registry;

/// <summary>
/// MMEngine's <c>registry/utils.py</c> (REG-11): <c>traverse_registry_tree</c> and <c>count_registered_modules</c>,
/// what is registered where, per registry node, grouped by the folder (for .NET: the namespace, dots as slashes) that
/// implements it. <c>kiln registry count [--save-path DIR]</c> runs it with the loaded plugins.
/// </summary>
public static class RegistryStatistics
{
    /// <summary>The file <see cref="CountRegisteredModules"/> writes into its save path (MMEngine's name).</summary>
    public const string FileName = "modules_statistic_results.json";

    /// <summary>
    /// <c>traverse_registry_tree(registry, verbose)</c>: from the root of <paramref name="registry"/>'s tree, depth
    /// first (a node, then its children in the order they were added), one object per node: <c>num_modules</c>,
    /// <c>scope</c>, then for each implementing folder the names registered from it, in registration order. With
    /// <paramref name="verbose"/>, one line per node: <c>Find N modules in S's 'NAME' registry </c>.
    /// </summary>
    public static JsonArray TraverseRegistryTree(Registry registry, bool verbose = true, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var modulesInfo = new JsonArray();
        Visit(registry.Root);
        return modulesInfo;

        void Visit(Registry node)
        {
            var info = new JsonObject { ["num_modules"] = node.Modules.Count, ["scope"] = node.Scope };
            foreach (var (name, registration) in node.Modules)
            {
                string folder = Folder(registration);
                if (info[folder] is JsonArray names) names.Add(name);
                else info[folder] = new JsonArray(name);
            }
            if (verbose) log?.Invoke($"Find {node.Modules.Count} modules in {node.Scope}'s '{node.Name}' registry ");
            modulesInfo.Add(info);
            foreach (var child in node.Children.Values) Visit(child);
        }
    }

    /// <summary>
    /// <c>count_registered_modules(save_path, verbose)</c>: every root registry's tree under its root.py name
    /// (<c>MODELS</c>, <c>HOOKS</c>, …, in the sorted order Python's <c>dir(root)</c> gives), with the scan date
    /// (<c>%Y-%m-%d %H:%M:%S</c>, local time). With <paramref name="savePath"/> the result is also written, indented by
    /// 2, to <see cref="FileName"/> in that folder (made if missing).
    /// </summary>
    public static JsonObject CountRegisteredModules(RegistryTree tree, string? savePath = null, bool verbose = true, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var registries = new JsonObject();
        foreach (var (constant, name) in Registries.All.Select(n => (RootName(n), n)).OrderBy(p => p.Item1, StringComparer.Ordinal))
            registries[constant] = TraverseRegistryTree(tree[name], verbose, log);
        var scanData = new JsonObject
        {
            ["scan_date"] = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["registries"] = registries,
        };
        if (verbose) log?.Invoke($"Finish registry analysis, got: {scanData.ToJsonString()}");
        if (savePath is not null)
        {
            Directory.CreateDirectory(savePath);
            string jsonPath = Path.Combine(savePath, FileName);
            IO.AtomicFile.WriteAllText(jsonPath, scanData.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n");
            log?.Invoke($"Result has been saved to {jsonPath}");
        }
        return scanData;
    }

    /// <summary>A registry's constant in MMEngine's root.py: <c>model</c> → <c>MODELS</c>, <c>vis_backend</c> → <c>VISBACKENDS</c>.</summary>
    public static string RootName(string registry)
    {
        var field = typeof(Registries).GetFields(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(f => f.IsLiteral && (string?)f.GetRawConstantValue() == registry)
            ?? throw new KilnException($"there is no '{registry}' registry; registries: {string.Join(", ", Registries.All)}.");
        return field.Name == nameof(Registries.VisBackends) ? "VISBACKENDS" : ParameterBinder.SnakeCase(field.Name).ToUpperInvariant();
    }

    /// <summary>The namespace that implements a registration, as a folder (<c>Kiln.Hooks</c> → <c>Kiln/Hooks</c>).</summary>
    private static string Folder(Registration registration)
    {
        var type = registration.Type ?? (registration.Method ?? registration.Factory?.Method)?.DeclaringType;
        while (type is not null && type.IsDefined(typeof(CompilerGeneratedAttribute), false)) type = type.DeclaringType;
        return (type?.Namespace ?? "").Replace('.', '/');
    }
}

using System.CommandLine;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Cli;

/// <summary><c>kiln plugins list</c>: name, scope, version, folder and component count of every loaded plugin.</summary>
internal static class PluginsCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var list = new Command("list", "List the loaded plugins: name, scope, version, path, registered components.");
        list.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var catalog = host.Services.GetRequiredService<PluginCatalog>();
            var rows = new List<string[]> { new[] { "NAME", "SCOPE", "VERSION", "COMPONENTS", "PATH" } };
            rows.Add(["Kiln.Host (built-in)", Registry.RegistryTree.RootScope, KilnVersion.Current,
                catalog.Tree.CountComponents(Registry.RegistryTree.RootScope).ToString(System.Globalization.CultureInfo.InvariantCulture), AppContext.BaseDirectory]);
            foreach (var p in catalog.Plugins)
                rows.Add([p.Name, p.Scope, p.Version, catalog.Tree.CountComponents(p.Scope).ToString(System.Globalization.CultureInfo.InvariantCulture), p.Directory]);
            var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
                output.WriteLine(string.Join("  ", row.Select((cell, c) => c == 4 ? cell : cell.PadRight(widths[c]))));
            if (catalog.Plugins.Count == 0)
                output.WriteLine("(no plugins found; they load from plugins/ beside the kiln executable, --plugins DIR or KILN_PLUGINS)");
            return 0;
        }));
        var command = new Command("plugins", "Inspect the plugins the host loads.");
        command.Subcommands.Add(list);
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Kiln.Hosting;
using Kiln.Plugins;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln plugins list</c>: name, scope, version, Kiln API version, status, component count and folder of every
/// plugin found, the skipped ones included, with the reason each was skipped.
/// </summary>
internal static class PluginsCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var list = new Command("list", "List the plugins found: name, scope, version, Kiln API version, status (loaded or skipped), components, path.");
        list.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var catalog = host.Services.GetRequiredService<PluginCatalog>();
            string Count(string scope) => catalog.Tree.CountComponents(scope).ToString(CultureInfo.InvariantCulture);
            var rows = new List<string[]> { new[] { "NAME", "SCOPE", "VERSION", "API", "STATUS", "COMPONENTS", "PATH" } };
            rows.Add(["Kiln.Host (built-in)", RegistryTree.RootScope, KilnVersion.Current, KilnApi.Version, "loaded", Count(RegistryTree.RootScope), AppContext.BaseDirectory]);
            foreach (var p in catalog.Plugins)
                rows.Add([p.Name, p.Scope, p.Version, p.ApiVersion, "loaded", Count(p.Scope), p.Directory]);
            foreach (var s in catalog.Skipped)
                rows.Add([s.Name, s.Scope ?? "-", s.Version, s.ApiVersion ?? "-", $"skipped ({Describe(s.Problem)})", "0", s.Directory]);
            TextTable.Write(output, rows);
            foreach (var s in catalog.Skipped)
                output.WriteLine($"skipped {s.Name}: {s.Reason.TrimEnd('.')}.");
            if (catalog.Plugins.Count == 0 && catalog.Skipped.Count == 0)
                output.WriteLine("(no plugins found; they load from plugins/ beside the kiln executable, --plugins DIR or KILN_PLUGINS)");
            return 0;
        }));
        var command = new Command("plugins", "Inspect the plugins the host loads, and install plugin packages.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(CreateInstall(debug, output, error));
        return command;
    }

    /// <summary><c>kiln plugins install SOURCE [--to DIR]</c>: unpacks a plugin package or folder into a plugins folder.</summary>
    private static Command CreateInstall(Option<bool> debug, TextWriter output, TextWriter error)
    {
        var source = new Argument<string>("source")
        {
            Description = "A plugin package (.nupkg from `dotnet pack` of a plugin project), an unpacked one, or a plugin folder (a built plugin's output).",
            HelpName = "PACKAGE|FOLDER",
        };
        var to = new Option<string?>("--to")
        {
            Description = "The plugins folder to install into (default: the first KILN_PLUGINS folder, else ~/.kiln/plugins, which kiln loads when it exists).",
            HelpName = "DIR",
        };
        var install = new Command("install", "Install a plugin package or folder into the user plugins folder (~/.kiln/plugins or KILN_PLUGINS), replacing an older copy.") { source };
        install.Options.Add(to);
        install.SetAction(parse =>
        {
            try
            {
                string root = Path.GetFullPath(parse.GetValue(to) ?? PluginLoader.UserRoot);
                foreach (var p in PluginInstaller.Install(parse.GetValue(source)!, root))
                    output.WriteLine($"{(p.Replaced ? "replaced" : "installed")} plugin {p.Name} {p.Version} (scope '{p.Scope}') in {p.Directory}");
                if (parse.GetValue(to) is not null && !PluginLoader.DefaultRoots([]).Any(r => Path.GetFullPath(r) == root))
                    output.WriteLine($"kiln loads it with --plugins {root} or KILN_PLUGINS={root}.");
                return 0;
            }
            catch (KilnException e)
            {
                error.WriteLine($"kiln: error: {e.Message}");
                if (parse.GetValue(debug)) error.WriteLine(e);
                return 1;
            }
        });
        return install;
    }

    internal static string Describe(PluginProblem problem) => problem switch
    {
        PluginProblem.NotAPlugin => "not a plugin",
        PluginProblem.IncompatibleApi => "incompatible API",
        PluginProblem.DuplicateScope => "duplicate scope",
        PluginProblem.MissingDependency => "missing dependency",
        PluginProblem.LoadFailed => "load failed",
        PluginProblem.RegistrationFailed => "registration failed",
        _ => problem.ToString(),
    };
}

/// <summary>Left-aligned columns separated by two spaces; the last column is not padded.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == columns - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
    }
}

using System.CommandLine;
using System.Runtime.CompilerServices;
using Kiln.Hosting;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln registry list [KIND] [--scope S]</c>: every registered component (REG-03, REG-11) with its registry, name,
/// scope, implementing type and the plugin that registered it. <c>kiln registry count [--save-path DIR]</c>: MMEngine's
/// <c>count_registered_modules</c> (REG-11, <see cref="RegistryStatistics"/>).
/// </summary>
internal static class RegistryCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var kindArgument = new Argument<string?>("KIND")
        {
            Description = "One registry: MMEngine's name ('model', 'hook', 'data sampler') or root.py's (MODELS, HOOKS, DATA_SAMPLERS). All when left out.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var scopeOption = new Option<string?>("--scope") { Description = "Only components registered in this scope ('mmengine' is the host's).", HelpName = "S" };
        var list = new Command("list", "List registered components: name, scope, implementing type, plugin.");
        list.Arguments.Add(kindArgument);
        list.Options.Add(scopeOption);
        list.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var catalog = host.Services.GetRequiredService<PluginCatalog>();
            var tree = catalog.Tree;
            string? kind = parse.GetValue(kindArgument) is { } k ? ResolveKind(k) : null;
            string? scope = parse.GetValue(scopeOption);
            if (scope is not null && !tree.Scopes.Contains(scope))
                throw new KilnException($"--scope '{scope}' is not loaded; scopes: {string.Join(", ", tree.Scopes)}.");

            var header = new List<string> { "NAME", "SCOPE", "TYPE", "PLUGIN" };
            if (kind is null) header.Insert(0, "REGISTRY");
            var rows = new List<string[]> { header.ToArray() };
            foreach (var registry in kind is null ? Registries.All : [kind])
                foreach (var scopeName in tree.Scopes.Where(s => scope is null || s == scope))
                    foreach (var registration in tree.Node(registry, scopeName).Modules.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
                    {
                        var row = new List<string> { registration.Name, scopeName, Implementation(registration), PluginName(catalog, scopeName) };
                        if (kind is null) row.Insert(0, registry);
                        rows.Add(row.ToArray());
                    }
            if (rows.Count == 1)
                output.WriteLine($"(nothing registered{(kind is null ? "" : $" in the {kind} registry")}{(scope is null ? "" : $" in scope '{scope}'")})");
            else
                TextTable.Write(output, rows);
            return 0;
        }));
        var savePath = new Option<string?>("--save-path") { Description = $"Also write the result to DIR/{RegistryStatistics.FileName}.", HelpName = "DIR" };
        var quiet = new Option<bool>("--quiet") { Description = "Only the file (or nothing): no per-registry lines, no summary." };
        var count = new Command("count", "MMEngine's count_registered_modules: modules per registry and scope, grouped by implementing namespace.");
        count.Options.Add(savePath);
        count.Options.Add(quiet);
        count.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var tree = host.Services.GetRequiredService<PluginCatalog>().Tree;
            RegistryStatistics.CountRegisteredModules(tree, parse.GetValue(savePath), verbose: !parse.GetValue(quiet), output.WriteLine);
            return 0;
        }));
        var command = new Command("registry", "Inspect the registries: what each scope registered.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(count);
        return command;
    }

    /// <summary>A registry named as MMEngine's display name or root.py's constant, case-insensitively.</summary>
    internal static string ResolveKind(string given)
    {
        foreach (string display in Registries.All)
        {
            string constant = RegistryStatistics.RootName(display);
            if (string.Equals(given, display, StringComparison.OrdinalIgnoreCase) || string.Equals(given, constant, StringComparison.OrdinalIgnoreCase)
                || string.Equals(given.Replace('_', ' '), display.Replace('_', ' '), StringComparison.OrdinalIgnoreCase))
                return display;
        }
        throw new KilnException($"there is no '{given}' registry; registries: {string.Join(", ", Registries.All.Select(r => $"'{r}'"))}.");
    }

    /// <summary>The class for a class registration; the declaring type and method for a function.</summary>
    internal static string Implementation(Registration registration)
    {
        if (registration.Type is { } type) return type.FullName ?? type.Name;
        var method = registration.Method ?? registration.Factory!.Method;
        var declaring = method.DeclaringType;
        while (declaring is not null && declaring.IsDefined(typeof(CompilerGeneratedAttribute), false)) declaring = declaring.DeclaringType;
        bool lambda = method.IsDefined(typeof(CompilerGeneratedAttribute), false) || method.Name.StartsWith('<');
        return $"{declaring?.FullName ?? "?"}{(lambda ? "" : "." + method.Name)} ({(registration.Method is null ? "factory" : "function")})";
    }

    private static string PluginName(PluginCatalog catalog, string scope) =>
        scope == RegistryTree.RootScope ? "Kiln.Host (built-in)" : catalog.ForScope(scope)?.Name ?? "?";
}

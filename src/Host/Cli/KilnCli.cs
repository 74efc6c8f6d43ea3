using System.CommandLine;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kiln.Cli;

/// <summary>
/// The <c>kiln</c> command line: <c>train</c>, <c>test</c>, <c>val</c>, <c>plugins list</c>, <c>registry list</c>, <c>config dump|explain|validate</c>, <c>plugins install</c>, <c>serve</c>, <c>--version</c>. User errors
/// (<see cref="KilnException"/>) print one message and exit 1; <c>--debug</c> adds the stack trace.
/// </summary>
public static class KilnCli
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var pluginsOption = new Option<string[]>("--plugins")
        {
            Description = "Extra plugin folders to load (a plugin folder, or a folder of them); also KILN_PLUGINS.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = true,
            HelpName = "DIR",
        };
        var debugOption = new Option<bool>("--debug") { Description = "Print stack traces with errors.", Recursive = true };
        var strictOption = new Option<bool>(StrictPluginsOption)
        {
            Description = "Stop with exit code 1 when any plugin cannot be loaded (instead of skipping it with a warning).",
            Recursive = true,
        };
        var root = new RootCommand("Kiln: MMEngine for .NET. Trains TorchSharp models from MMEngine-style configs, with plugins.");
        root.Options.Add(pluginsOption);
        root.Options.Add(debugOption);
        root.Options.Add(strictOption);
        root.Subcommands.Add(TrainCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(EvalCommands.CreateTest(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(EvalCommands.CreateVal(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(EvalCommands.CreateEval(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(PluginsCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(ConfigCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(RegistryCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(ScheduleCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(HooksCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(ServeCommand.Create(pluginsOption, debugOption, output, error));
        root.Subcommands.Add(CheckpointCommand.Create(debugOption, output, error));
        root.Subcommands.Add(AnalyzeCommand.Create(pluginsOption, debugOption, output, error));

        var config = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(config);
    }

    /// <summary>The global option that makes any plugin failure stop the host (read by name in <see cref="Guard"/>).</summary>
    internal const string StrictPluginsOption = "--strict-plugins";

    /// <summary>Runs a command body inside a host, turning user errors into one clear message and exit code 1.</summary>
    internal static int Guard(ParseResult parse, Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error, Func<IHost, int> body)
    {
        bool showStack = parse.GetValue(debug);
        try
        {
            bool strict = parse.GetValue<bool>(StrictPluginsOption);
            using var host = KilnHost.Create(o =>
            {
                o.PluginRoots.AddRange(parse.GetValue(plugins) ?? []);
                o.StrictPlugins = strict;
            }, output);
            return body(host);
        }
        catch (KilnException e)
        {
            error.WriteLine($"kiln: error: {e.Message}");
            if (showStack) error.WriteLine(e);
            return 1;
        }
    }
}

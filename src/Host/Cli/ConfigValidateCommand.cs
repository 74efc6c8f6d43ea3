using System.CommandLine;
using Kiln.Hosting;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln config validate CONFIG [--cfg-options k=v ...]</c>: reads the config and checks every <c>type</c> and every
/// key against the registries and constructor signatures (<see cref="ConfigValidator"/>) without building anything,
/// so no tensor is allocated. Prints every problem with its key path and exits 1 when there is any.
/// </summary>
public static class ConfigValidateCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var cfgOptions = CliOptions.CfgOptions();
        var command = new Command("validate",
            "Check a config against the registries and constructor signatures without building anything; report every problem with its key path (exit 1 if any).")
        {
            configArg,
        };
        command.Options.Add(cfgOptions);
        command.SetAction(parse =>
        {
            string configPath = parse.GetValue(configArg)!;
            return KilnCli.Guard(parse, plugins, debug, output, error, host =>
            {
                var cfg = TrainCommand.LoadConfig(host.Services, configPath, parse.GetValue(cfgOptions));
                var validator = new ConfigValidator(host.Services.GetRequiredService<RegistryTree>(), host.Services);
                var problems = validator.Validate(cfg.Dict);
                if (problems.Count == 0)
                {
                    output.WriteLine($"{configPath}: OK (every type resolves and every key binds)");
                    return 0;
                }
                error.WriteLine($"{configPath}: {problems.Count} problem(s):");
                foreach (var problem in problems) error.WriteLine($"  {problem}");
                return 1;
            });
        });
        return command;
    }
}

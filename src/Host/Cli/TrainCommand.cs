using System.CommandLine;
using Kiln.Config;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln train CONFIG [--work-dir DIR] [--cfg-options k=v ...] [--resume [CKPT]] [--launcher none|mpi|pytorch|slurm]</c>, as MMEngine's
/// <c>tools/train.py</c>: the work directory is <c>--work-dir</c>, else the config's <c>work_dir</c>, else
/// <c>./work_dirs/&lt;config name&gt;</c>; <c>--resume</c> alone resumes from the work directory's latest checkpoint.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var workDir = new Option<string?>("--work-dir") { Description = "Where logs and checkpoints go (overrides the config's work_dir).", HelpName = "DIR" };
        var cfgOptions = CliOptions.CfgOptions("optim_wrapper.optimizer.lr=0.1");
        var resume = new Option<string?>("--resume")
        {
            Description = "Resume training: from CKPT if given, else from the latest checkpoint in the work directory.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "CKPT",
        };
        var launcher = CliOptions.Launcher();
        var noProgress = CliOptions.NoProgress();
        var command = new Command("train", "Train a model from a config file.") { configArg };
        command.Options.Add(launcher);
        command.Options.Add(workDir);
        command.Options.Add(noProgress);
        command.Options.Add(cfgOptions);
        command.Options.Add(resume);
        command.SetAction(parse =>
        {
            string configPath = parse.GetValue(configArg)!;
            Interop.LibTorchWarmup.Start();
            return CliOptions.EndProcessGroup(KilnCli.Guard(parse, plugins, debug, output, error, host =>
            {
                var cfg = LoadConfig(host.Services, configPath, parse.GetValue(cfgOptions));
                CliOptions.ApplyWorkDir(cfg.Dict, parse.GetValue(workDir), configPath);
                CliOptions.ApplyNoProgress(cfg.Dict, parse.GetValue(noProgress));
                if (parse.GetResult(resume) is not null)
                {
                    cfg.Dict["resume"] = true;
                    if (parse.GetValue(resume) is { Length: > 0 } checkpoint) cfg.Dict["load_from"] = checkpoint;
                }
                if (parse.GetValue(launcher) is { } launcherName) cfg.Dict["launcher"] = launcherName;
                using var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText);
                runner.Train();
                return 0;
            }));
        });
        return command;
    }

    /// <summary>Reads the config (plugin configs resolve <c>scope::path</c> bases) and applies <c>--cfg-options</c>.</summary>
    internal static KilnConfig LoadConfig(IServiceProvider services, string path, string[]? cfgOptions)
    {
        var catalog = services.GetRequiredService<PluginCatalog>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Kiln.Config");
        var cfg = KilnConfig.FromFile(path, new ConfigLoadOptions
        {
            ScopeResolver = catalog,
            Warning = message => logger.LogWarning("{Message}", message),
        });
        if (cfgOptions is { Length: > 0 }) cfg.MergeFromDict(KilnConfig.ParseCfgOptions(cfgOptions));
        return cfg;
    }
}

using System.CommandLine;
using Kiln.Config;
using Kiln.Models;
using static TorchSharp.torch;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln hooks CONFIG [--cfg-options KEY=VALUE ...]</c> (HOOK-02, RUN-12): registers the config's
/// <c>default_hooks</c> and <c>custom_hooks</c> exactly as the Runner does (MMEngine's defaults, a key set to None
/// removes a default hook, a dict replaces it, <c>priority</c> overrides the hook's own, ties keep registration
/// order) and prints MMEngine's hook-info block: per stage, the hooks acting there in call order. Nothing trains:
/// the Runner is built over a one-parameter stand-in model (hooks do not use the model when they are built) in a
/// temporary work directory that is deleted afterwards.
/// </summary>
internal static class HooksCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var cfgOptions = CliOptions.CfgOptions();
        var command = new Command("hooks", "Print the hooks a config registers, in call order per stage (MMEngine's hook-info block), without training.") { configArg };
        command.Options.Add(cfgOptions);
        command.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var cfg = TrainCommand.LoadConfig(host.Services, parse.GetValue(configArg)!, parse.GetValue(cfgOptions));
            output.Write(HooksInfo(host.Services, cfg.Dict));
            output.WriteLine();
            return 0;
        }));
        return command;
    }

    /// <summary>Builds a Runner with only the hook keys of <paramref name="cfg"/> and returns its hook-info block.</summary>
    internal static string HooksInfo(IServiceProvider services, ConfigDict cfg, string? tempRoot = null)
    {
        string workDir = Path.Combine(tempRoot ?? Path.GetTempPath(), "kiln-hooks-" + Guid.NewGuid().ToString("N"));
        var runnerCfg = new ConfigDict();
        foreach (var key in new[] { "default_scope", "default_hooks", "custom_hooks" })
            if (cfg.ContainsKey(key)) runnerCfg[key] = cfg.Get(key);
        runnerCfg["work_dir"] = workDir;
        runnerCfg["log_level"] = "ERROR";
        runnerCfg["model"] = new StandInModel();
        try
        {
            using var runner = Runner.FromConfig(runnerCfg, services);
            return runner.HookList.GetHooksInfo();
        }
        finally
        {
            try
            {
                if (Directory.Exists(workDir)) Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
                // a temporary folder left behind is harmless
            }
        }
    }

    /// <summary>Stands in for the config's model: the hooks are built without it.</summary>
    private sealed class StandInModel : BaseModel
    {
        public StandInModel() : base("stand_in", null) => register_parameter("weight", new TorchSharp.Modules.Parameter(zeros(1)));

        public override ModelOutput Forward(Tensor inputs, IReadOnlyList<Structures.DataSample> dataSamples, ForwardMode mode) =>
            throw new InvalidOperationException("kiln hooks' stand-in model is never run.");
    }
}

using System.CommandLine;

namespace Kiln.Cli;

/// <summary>The arguments and options several <c>kiln</c> commands share, spelled and described once.</summary>
internal static class CliOptions
{
    /// <summary>The CONFIG argument: a config file.</summary>
    public static Argument<string> Config() =>
        new("config") { Description = "The config file (.py, .json, .yaml).", HelpName = "CONFIG" };

    /// <summary><c>--cfg-options KEY=VALUE ...</c> with MMEngine's grammar; <paramref name="example"/> is shown in the help.</summary>
    public static Option<string[]> CfgOptions(string example = "optim_wrapper.optimizer.lr=0.1") => new("--cfg-options")
    {
        Description = $"Override config keys: key=value pairs, dotted keys for nested dicts ({example}).",
        AllowMultipleArgumentsPerToken = true,
        HelpName = "KEY=VALUE",
    };

    /// <summary>
    /// <c>--launcher</c> of MMEngine's tools/train.py (none, pytorch, slurm, mpi); it sets the config's <c>launcher</c>.
    /// Kiln's transport is MPI: <c>mpirun -np N kiln train CONFIG --launcher mpi</c>.
    /// </summary>
    public static Option<string?> Launcher()
    {
        var option = new Option<string?>("--launcher")
        {
            Description = "Job launcher (sets the config's launcher): none, or mpi under `mpirun -np N` for data-parallel training "
                + "(pytorch: torchrun's RANK/WORLD_SIZE, over MPI under mpirun; slurm is not built).",
            HelpName = "LAUNCHER",
        };
        option.AcceptOnlyFromAmong(Distributed.Launcher.Valid);
        return option;
    }

    /// <summary>
    /// After a command: with an MPI group, <c>MPI_Finalize</c> on success, or <c>MPI_Abort</c> on failure so the other
    /// ranks of the job end too rather than wait in a collective. Returns <paramref name="exitCode"/>.
    /// </summary>
    public static int EndProcessGroup(int exitCode)
    {
        if (Distributed.MpiProcessGroup.Instance is not { } group) return exitCode;
        if (exitCode != 0)
        {
            Console.Error.Flush();
            Console.Out.Flush();
            group.Abort(exitCode);
        }
        group.Shutdown();
        return exitCode;
    }

    /// <summary>
    /// MMEngine's tools/train.py and test.py work directory: <paramref name="workDir"/> (<c>--work-dir</c>), else the
    /// config's <c>work_dir</c>, else <c>work_dirs/&lt;config name&gt;</c>.
    /// </summary>
    public static void ApplyWorkDir(Config.ConfigDict cfg, string? workDir, string configPath)
    {
        if (workDir is not null) cfg["work_dir"] = workDir;
        else if (cfg.Get("work_dir") is null) cfg["work_dir"] = Path.Combine("work_dirs", Path.GetFileNameWithoutExtension(configPath));
    }

    /// <summary><c>--no-progress</c>: no live progress bars even on an interactive terminal (sets <c>progress_bar=False</c>).</summary>
    public static Option<bool> NoProgress() => new("--no-progress")
    {
        Description = "No live progress bars on an interactive terminal (the same as progress_bar=False in the config); redirected output never has them.",
    };

    /// <summary>Applies <c>--no-progress</c> to the config.</summary>
    public static void ApplyNoProgress(Config.ConfigDict cfg, bool noProgress)
    {
        if (noProgress) cfg["progress_bar"] = false;
    }
}

using Kiln.Logging;
using Spectre.Console;

namespace Kiln;

public partial class Runner
{
    /// <summary>
    /// Live progress bars when stdout is an interactive terminal and <c>progress_bar</c> is not False (Kiln's key;
    /// <c>kiln train/test/val --no-progress</c> sets it) in a single-process run (under mpirun a rank's stdout is a
    /// forwarded pseudo-terminal, so distributed runs never draw them); console log lines then print above the bars. Otherwise
    /// nothing changes.
    /// </summary>
    private Progress.ProgressBars? StartProgressBars(MMLoggerProvider provider)
    {
        if (!Progress.ProgressBars.ShouldShow(Cfg.Get("progress_bar"), Console.IsOutputRedirected, Environment.GetEnvironmentVariable("TERM"))
            || !provider.WritesToStdout || Distributed.Dist.IsDistributed || UnderMpirun())
            return null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var bars = new Progress.ProgressBars(console);
        HookList.AddObserver(bars);
        provider.ConsoleRedirect = bars.LogWriter;
        _progressProvider = provider;
        return bars;
    }

    private MMLoggerProvider? _progressProvider;

    /// <summary>Started by mpirun (even with one rank and no launcher): its stdout is a forwarded pty, not the user's terminal.</summary>
    private static bool UnderMpirun() =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    private void StopProgressBars()
    {
        _progress?.Dispose();
        if (_progressProvider is not null) _progressProvider.ConsoleRedirect = null;
    }
}

using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Kiln.Serve;

/// <summary>
/// systemd's watchdog (<c>WatchdogSec=</c> in the unit; systemd passes <c>WATCHDOG_USEC</c>): every half period,
/// sends <c>WATCHDOG=1</c> only if the training thread beat within the period (<see cref="ServeProgress"/>), so a
/// hung training loop stops the pings and systemd restarts the service; an idle service beats on each queue poll.
/// </summary>
public sealed class SystemdWatchdog(
    ServeProgress progress, IHostApplicationLifetime lifetime, ILogger<SystemdWatchdog> logger, ISystemdNotifier? notifier = null) : BackgroundService
{
    /// <summary>The watchdog period from <c>WATCHDOG_USEC</c> (for this process per <c>WATCHDOG_PID</c>), or null.</summary>
    public static TimeSpan? Period()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid
            && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromTicks(usec * 10)
            : null;
    }

    /// <summary>Whether to ping now: the training thread beat less than one watchdog period ago.</summary>
    public static bool ShouldPing(TimeSpan sinceLastBeat, TimeSpan period) => sinceLastBeat < period;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (notifier is not { IsEnabled: true } || Period() is not { } period) return;
        // Pings start once the host is started (after READY=1).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { return; }
        }
        logger.LogInformation("systemd watchdog: pinging every {Interval} ms while training makes progress", (int)(period / 2).TotalMilliseconds);
        using var timer = new PeriodicTimer(period / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                if (ShouldPing(progress.SinceLastBeat, period)) notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
        catch (OperationCanceledException)
        {
        }
    }
}

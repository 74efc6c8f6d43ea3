using Kiln.Hooks;
using Kiln.IO;

namespace Kiln.Serve;

/// <summary>
/// The hook <c>kiln serve</c> adds to every job's run (lowest priority, so it runs after the others in each stage):
/// it reports progress (the chart's loss and validation metrics, the job's iteration, the watchdog's heartbeat) and,
/// after an iteration, acts on a cancel (stop now) or a service stop (save <c>iter_N.pth</c>, point
/// <c>last_checkpoint</c> at it, stop; the job resumes from it on the next start).
/// </summary>
internal sealed class ServeHook(JobStore store, JobRecord job, ServeProgress progress, CancellationToken stopping) : Hook
{
    public override int Priority => HookPriority.Lowest;

    /// <summary>The checkpoint written for a service stop, or null.</summary>
    public string? Checkpoint { get; private set; }

    /// <summary>Whether the job stopped because it was cancelled.</summary>
    public bool Cancelled { get; private set; }

    public override void BeforeTrainIter(IRunnerContext runner, BatchArgs args) => progress.Beat();

    public override void BeforeValIter(IRunnerContext runner, BatchArgs args) => progress.Beat();

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        int iter = runner.Iter + 1; // the loop counts this iteration after its hooks
        if (args.Outputs.TryGetValue("loss", out double loss)) store.AddLossPoint(job.Id, new ChartPoint(iter, loss));
        job.Iter = iter;
        job.MaxIters = runner.MaxIters;
        job.Epoch = runner.Epoch;
        store.Update(job);
        progress.Beat();
        progress.ReportIteration(job.Id, iter);

        var host = (Runner)runner;
        if (job.CancelRequested)
        {
            Cancelled = true;
            host.Interrupt();
        }
        else if (stopping.IsCancellationRequested)
        {
            string name = $"iter_{iter}.pth";
            host.SaveCheckpoint(host.WorkDir, name, byEpoch: false);
            Checkpoint = Path.Combine(host.WorkDir, name);
            AtomicFile.WriteAllText(Path.Combine(host.WorkDir, "last_checkpoint"), Checkpoint);
            host.Interrupt();
        }
    }

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        progress.Beat();
        foreach (var (name, value) in args.Metrics)
            store.AddPoint(job.Id, name, new ChartPoint(runner.Iter, value));
    }
}

/// <summary>
/// Liveness of the service for the systemd watchdog: the training thread beats when idle (each queue poll) and on
/// every training and validation iteration, so a loop that hangs stops the beats and so the <c>WATCHDOG=1</c> pings.
/// </summary>
public sealed class ServeProgress
{
    private long _lastBeat = System.Diagnostics.Stopwatch.GetTimestamp();

    public void Beat() => Interlocked.Exchange(ref _lastBeat, System.Diagnostics.Stopwatch.GetTimestamp());

    public TimeSpan SinceLastBeat => System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastBeat));

    /// <summary>Raised on the training thread after each training iteration's hooks: the job id and the iterations done.</summary>
    public event Action<string, int>? IterationDone;

    internal void ReportIteration(string jobId, int iter) => IterationDone?.Invoke(jobId, iter);
}

using Kiln.Cli;
using Kiln.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kiln.Serve;

/// <summary>What <c>kiln serve</c> was started with.</summary>
public sealed class ServeOptions
{
    /// <summary>The jobs folder (<c>--jobs</c>).</summary>
    public string JobsDir { get; set; } = "jobs";

    /// <summary>Where the HTTP API and status page listen (<c>--urls</c>); loopback by default.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>How long a stop waits for the current iteration and its checkpoint (HostOptions.ShutdownTimeout).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often the training thread looks into <c>queue/</c> when idle.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Runs the jobs one at a time on a dedicated thread (<c>kiln-training</c>): picks the next job (interrupted ones first, which resume from their checkpoint), and trains it with the Runner. A stop
/// of the host (SIGTERM, service stop) ends the running job after its current iteration with a checkpoint
/// (<see cref="ServeHook"/>). A job that throws is marked failed with the error; nothing a job does stops the service.
/// </summary>
public sealed class JobWorker(
    JobStore store, ServeProgress progress, ServeOptions options, IServiceProvider services,
    IHostApplicationLifetime lifetime, ILogger<JobWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
            try
            {
                Loop(stop.Token);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { Name = "kiln-training", IsBackground = true };
        thread.Start();
        return done.Task;
    }

    private void Loop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            progress.Beat();
            if (store.Next() is { } next) Run(next, stop);
            else stop.WaitHandle.WaitOne(options.PollInterval);
        }
    }

    private void Run(JobRecord job, CancellationToken stop)
    {
        bool resuming = job.ResumeFrom is not null;
        job.State = JobState.Running;
        job.Started ??= DateTimeOffset.UtcNow;
        job.Error = null;
        store.Update(job);
        logger.LogInformation(resuming ? "Resuming job {Id} from {Checkpoint}" : "Starting job {Id}{Checkpoint}", job.Id, job.ResumeFrom ?? "");
        var hook = new ServeHook(store, job, progress, stop);
        try
        {
            var cfg = TrainCommand.LoadConfig(services, job.ConfigPath, job.CfgOptions);
            cfg.Dict["work_dir"] = job.WorkDir;
            if (job.ResumeFrom is { } checkpoint)
            {
                cfg.Dict["resume"] = true;
                cfg.Dict["load_from"] = checkpoint;
            }
            var hooks = cfg.Dict.Get("custom_hooks") is List<object?> given ? new List<object?>(given) : [];
            hooks.Add(hook);
            cfg.Dict["custom_hooks"] = hooks;
            using var runner = Runner.FromConfig(cfg.Dict, services, cfg.FileName, cfg.PrettyText);
            if (stop.IsCancellationRequested)
            {
                // Stopped while the run was being built: nothing trained, so it starts (or resumes) again next time.
                job.State = resuming ? JobState.Interrupted : JobState.Queued;
                store.Update(job);
                return;
            }
            runner.Train();
            (job.Epoch, job.Iter) = (runner.Epoch, runner.Iter);
            if (hook.Cancelled) job.State = JobState.Cancelled;
            else if (runner.Interrupted)
            {
                job.State = JobState.Interrupted;
                job.ResumeFrom = hook.Checkpoint;
                logger.LogInformation("Job {Id} interrupted at iteration {Iter}; it resumes from {Checkpoint} on the next start", job.Id, job.Iter, hook.Checkpoint);
            }
            else job.State = JobState.Succeeded;
        }
        catch (Exception e)
        {
            job.State = JobState.Failed;
            job.Error = e is KilnException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogError("Job {Id} failed: {Error}", job.Id, job.Error);
        }
        if (JobState.IsFinished(job.State)) job.Finished = DateTimeOffset.UtcNow;
        store.Update(job);
    }

    /// <summary>
    /// What a submission must pass: the config reads (its bases and <c>--cfg-options</c> included) and every type and
    /// key binds (<see cref="Registry.ConfigValidator"/>). Returns the problems; none means valid.
    /// </summary>
    public static IReadOnlyList<string> Validate(IServiceProvider services, string configPath, string[] cfgOptions)
    {
        try
        {
            var cfg = TrainCommand.LoadConfig(services, configPath, cfgOptions);
            var validator = new Registry.ConfigValidator(
                (Registry.RegistryTree)services.GetService(typeof(Registry.RegistryTree))!, services);
            string name = Path.GetFileName(configPath);
            return validator.Validate(cfg.Dict).Select(p => $"{name}: {p}").ToList();
        }
        catch (KilnException e)
        {
            return [e.Message];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [$"{Path.GetFileName(configPath)}: {e.GetType().Name}: {e.Message}"];
        }
    }
}

/// <summary>
/// Takes the files dropped into <c>queue/</c> every poll interval, off the training thread, so a dropped config is
/// validated (and a bad one recorded as rejected) while a job trains.
/// </summary>
public sealed class QueueWatcher(JobStore store, ServeOptions options, ILogger<QueueWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var job in store.ScanQueue())
                    if (job.State == JobState.Rejected) logger.LogWarning("Rejected {Source} (job {Id}): {Error}", job.Source, job.Id, job.Error);
                    else logger.LogInformation("Queued job {Id} from {Source}", job.Id, job.Source);
            }
            catch (IOException e)
            {
                logger.LogWarning("Could not read the queue folder {Queue}: {Message}", store.QueueDir, e.Message);
            }
            try
            {
                await Task.Delay(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

using Kiln.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Kiln.Serve;

/// <summary>A submission to <c>POST /api/jobs</c>: config text (with its format) or a path inside the jobs folder, and cfg options.</summary>
public sealed record SubmitRequest(string? Config, string? Format, string? Path, string[]? CfgOptions);

/// <summary>
/// <c>kiln serve</c>: a web host (Kestrel on loopback) with the Kiln services, the <see cref="JobWorker"/> training
/// thread, the systemd integration (<c>Type=notify</c>: READY=1 when started, STOPPING=1 when stopping, and the
/// progress-tied <see cref="SystemdWatchdog"/>) or the Windows service lifetime, the HTTP API and the status page.
/// </summary>
public static class ServeApp
{
    public static WebApplication Build(ServeOptions options, Action<KilnHostOptions>? configure = null, TextWriter? console = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        KilnHost.Configure(builder, configure, console);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseUrls(options.Urls);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);

        // systemd: UseSystemd's detection (SYSTEMD_EXEC_PID, parent process) or, failing that, a NOTIFY_SOCKET to talk to.
        builder.Services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 })
        {
            builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        builder.Services.AddWindowsService(o => o.ServiceName = "kiln");

        if (SystemdWatchdog.Period() is { } period && period / 4 < options.PollInterval) options.PollInterval = period / 4;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServeProgress>();
        builder.Services.AddSingleton(sp => new JobStore(options.JobsDir, (path, cfgOptions) => JobWorker.Validate(sp, path, cfgOptions)));
        builder.Services.AddHostedService<QueueWatcher>();
        builder.Services.AddHostedService<JobWorker>();
        builder.Services.AddHostedService<SystemdWatchdog>();

        var app = builder.Build();
        KilnHost.WarnSkippedPlugins(app.Services);
        MapEndpoints(app, app.Services.GetRequiredService<JobStore>());
        return app;
    }

    private static void MapEndpoints(WebApplication app, JobStore store)
    {
        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/jobs", () => Results.Json(store.List().Select(Summary)));
        app.MapGet("/api/jobs/{id}", (string id) => store.Get(id) is { } job ? Results.Json(Detail(store, job)) : NotFound(id));
        app.MapPost("/api/jobs", (SubmitRequest request) =>
        {
            try
            {
                var job = store.Submit(request.Config, request.Format, request.Path, request.CfgOptions, "http");
                return Results.Json(Summary(job), statusCode: StatusCodes.Status201Created);
            }
            catch (KilnException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        app.MapPost("/api/jobs/{id}/cancel", (string id) =>
        {
            try
            {
                return Results.Json(Summary(store.Cancel(id)));
            }
            catch (KeyNotFoundException)
            {
                return NotFound(id);
            }
            catch (KilnException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status409Conflict);
            }
        });
        app.MapGet("/api/jobs/{id}/logs", (string id) =>
        {
            if (store.Get(id) is not { } job) return NotFound(id);
            if (JobStore.LatestLog(job) is not { } log) return Results.Text("", "text/plain; charset=utf-8");
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return Results.Text(reader.ReadToEnd(), "text/plain; charset=utf-8");
        });
    }

    private static IResult NotFound(string id) => Results.Json(new { error = $"there is no job '{id}'." }, statusCode: StatusCodes.Status404NotFound);

    private static object Summary(JobRecord j) => new
    {
        id = j.Id, state = j.State, source = j.Source, config = j.ConfigPath, cfgOptions = j.CfgOptions, workDir = j.WorkDir,
        submitted = j.Submitted, started = j.Started, finished = j.Finished, error = j.Error, resumeFrom = j.ResumeFrom,
        epoch = j.Epoch, iter = j.Iter, maxIters = j.MaxIters,
    };

    private static object Detail(JobStore store, JobRecord j)
    {
        var (loss, metrics) = store.Chart(j.Id);
        return new
        {
            job = Summary(j),
            loss = loss.Select(p => new[] { p.Iter, p.Value }),
            metrics = metrics.ToDictionary(kv => kv.Key, kv => kv.Value.Select(p => new[] { p.Iter, p.Value })),
        };
    }
}

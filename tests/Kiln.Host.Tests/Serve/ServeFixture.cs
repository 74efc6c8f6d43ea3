using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Serve;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Serve;

/// <summary>
/// A <c>kiln serve</c> web host in the test process, with the toy plugin, on a free loopback port, over a jobs folder
/// that outlives it (so a test can stop the service and start another on the same jobs, as a restart does).
/// </summary>
internal sealed class ServeFixture : IAsyncDisposable
{
    private ServeFixture(WebApplication app, HttpClient http)
    {
        App = app;
        Http = http;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public JobStore Store => App.Services.GetRequiredService<JobStore>();

    public ServeProgress Progress => App.Services.GetRequiredService<ServeProgress>();

    /// <summary>The toy's iteration-based config: 12 iterations of batch 3 over 12 samples, validation every 4.</summary>
    public static string ToyConfig(bool byEpoch = false) => $$"""
        default_scope = 'toy'
        model = dict(type='ToyModel')
        train_dataloader = dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler', shuffle=True), batch_size=3, num_workers=0)
        val_dataloader = dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler', shuffle=False), batch_size=3, num_workers=0)
        val_evaluator = [dict(type='ToyMetric')]
        {{(byEpoch ? "train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)" : "train_cfg = dict(by_epoch=False, max_iters=12, val_interval=4, val_begin=4)")}}
        val_cfg = dict()
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
        log_processor = dict(by_epoch={{(byEpoch ? "True" : "False")}})
        default_hooks = dict(logger=dict(type='LoggerHook', interval=1), checkpoint=dict(type='CheckpointHook', interval={{(byEpoch ? "3, by_epoch=True" : "12, by_epoch=False")}}))
        randomness = dict(seed=0)
        """;

    public static async Task<ServeFixture> StartAsync(string jobsDir)
    {
        var app = ServeApp.Build(
            new ServeOptions { JobsDir = jobsDir, Urls = "http://127.0.0.1:0", PollInterval = TimeSpan.FromMilliseconds(50) },
            o =>
            {
                o.LoadPluginFolders = false;
                o.InProcessPlugins.Add(new ToyPlugin());
            },
            TextWriter.Null);
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(2) };
        return new ServeFixture(app, http);
    }

    public async Task<(int Status, JsonElement Body)> SubmitAsync(object request)
    {
        using var response = await Http.PostAsJsonAsync("/api/jobs", request);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>Waits (up to two minutes, polling; no timing is asserted) until the job is in one of <paramref name="states"/>.</summary>
    public async Task<JobRecord> WaitForAsync(string id, params string[] states)
    {
        for (int i = 0; i < 2400; i++)
        {
            if (Store.Get(id) is { } job && states.Contains(job.State)) return job;
            await Task.Delay(50);
        }
        throw new TimeoutException($"job {id} did not reach {string.Join("/", states)}; it is {Store.Get(id)?.State}: {Store.Get(id)?.Error}");
    }

    private bool _stopped;

    /// <summary>Stops the service as SIGTERM does (the host's StopAsync after the lifetime's stop).</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        App.Lifetime.StopApplication();
        await App.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await App.DisposeAsync();
    }
}

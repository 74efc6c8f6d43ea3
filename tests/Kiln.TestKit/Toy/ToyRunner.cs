using Kiln.Config;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.TestKit.Toy;

/// <summary>
/// MMEngine's <c>RunnerTestCase</c> configs in C#: <see cref="EpochBasedConfig"/> (batch 3 over 12 samples → 4
/// iterations per epoch, 2 epochs, SGD lr 0.1, LoggerHook interval 1) and <see cref="IterBasedConfig"/>
/// (12 iterations). <see cref="Create"/> builds the Runner in a host with the toy plugin.
/// </summary>
public sealed class ToyRunner : IDisposable
{
    private readonly ServiceProvider _services;

    public IServiceProvider Services => _services;

    public ToyRunner()
    {
        _services = new ServiceCollection()
            .AddSingleton(new Logging.MMLoggerProvider(Microsoft.Extensions.Logging.LogLevel.Information, TextWriter.Null))
            .AddLogging()
            .AddKiln(o =>
            {
                o.LoadPluginFolders = false;
                o.InProcessPlugins.Add(new ToyPlugin());
            })
            .BuildServiceProvider();
    }

    public static ConfigDict EpochBasedConfig(string workDir) => Config.Config.FromString($$"""
        default_scope = 'toy'
        work_dir = r'{{workDir}}'
        experiment_name = 'test1'
        model = dict(type='ToyModel')
        train_dataloader = dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler', shuffle=True), batch_size=3, num_workers=0)
        val_dataloader = dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler', shuffle=False), batch_size=3, num_workers=0)
        val_evaluator = [dict(type='ToyMetric')]
        train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1, val_begin=1)
        val_cfg = dict()
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
        default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
        custom_hooks = [dict(type='RecordingHook')]
        randomness = dict(seed=0)
        """, ".py").Dict;

    public static ConfigDict IterBasedConfig(string workDir)
    {
        var cfg = EpochBasedConfig(workDir);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = false, ["max_iters"] = 12L, ["val_interval"] = 4L, ["val_begin"] = 4L };
        cfg["log_processor"] = new ConfigDict { ["by_epoch"] = false };
        cfg["default_hooks"] = new ConfigDict
        {
            ["logger"] = new ConfigDict { ["type"] = "LoggerHook", ["interval"] = 1L },
            ["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["interval"] = 12L, ["by_epoch"] = false },
        };
        return cfg;
    }

    public Runner Create(ConfigDict cfg) => Runner.FromConfig(cfg, _services);

    public static RecordingHook Recorder(Runner runner) => runner.HookList.Hooks.OfType<RecordingHook>().Single();

    public void Dispose() => _services.Dispose();
}

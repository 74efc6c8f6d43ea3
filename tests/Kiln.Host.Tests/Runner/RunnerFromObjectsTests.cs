using Kiln.Config;
using Kiln.Data;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Runner;

/// <summary>RUN-01, RUN-02: the Runner built from ready objects (the tutorial's shape) trains as the same config does.</summary>
public sealed class RunnerFromObjectsTests : ToyRunnerTest
{
    private static ConfigDict Cfg(params (string Key, object? Value)[] items) => new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    [Fact]
    public void Create_ReadyObjects_SameWeightsAndMetricsAsConfig()
    {
        float[] fromConfig;
        string[] configLog;
        using (var runner = Toy.Create(ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, "cfg"))))
        {
            runner.Train();
            fromConfig = runner.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
            configLog = ProgressLines(runner.LogDir);
        }

        torch.manual_seed(0);   // the config run seeds before building its model; a ready model is built by us
        var model = new ToyModel();
        var train = new DataLoader(new ToyDataset(), new DefaultSampler(new ToyDataset(), shuffle: true, seed: 0), batchSize: 3);
        var val = new DataLoader(new ToyDataset(), new DefaultSampler(new ToyDataset(), shuffle: false), batchSize: 3);
        var recorder = new RecordingHook();
        using var fromObjects = Kiln.Runner.Create(Toy.Services,
            model: model,
            workDir: Path.Combine(Tmp.Path, "objects"),
            trainDataloader: train,
            optimWrapper: Cfg(("optimizer", Cfg(("type", "SGD"), ("lr", 0.1)))),
            trainCfg: Cfg(("by_epoch", true), ("max_epochs", 2L), ("val_interval", 1L)),
            valDataloader: val,
            valCfg: Cfg(),
            valEvaluator: new ToyMetric(),
            defaultHooks: Cfg(("logger", Cfg(("type", "LoggerHook"), ("interval", 1L)))),
            customHooks: [recorder],
            randomness: Cfg(("seed", 0L)));
        fromObjects.Train();

        Assert.Same(model, fromObjects.Model);
        Assert.Equal(fromConfig, fromObjects.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
        Assert.Equal([1, 2], recorder.At("after_val_epoch").Select(c => c.Epoch));
        Assert.Equal(1.0, fromObjects.MessageHub.GetScalar("val/acc").Current);
        // RUN-01 show-it: the same log, line for line, once the clock-dependent fields are taken out.
        var objectsLog = ProgressLines(fromObjects.LogDir);
        Assert.Equal(2 * (4 + 4 + 1), configLog.Length); // per epoch at interval 1: 4 train lines, 4 val lines, the val summary
        Assert.Equal(configLog, objectsLog);
    }

    /// <summary>The log's Epoch(train)/Epoch(val) lines without the date, eta, time and data_time fields.</summary>
    private static string[] ProgressLines(string logDir)
    {
        var log = File.ReadAllLines(Directory.GetFiles(logDir, "*.log").Single());
        return log.Where(l => l.Contains(" - INFO - Epoch(", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" - INFO - ", StringComparison.Ordinal) + 10)..])
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s*(eta: \S+|time: \S+|data_time: \S+)", ""))
            .ToArray();
    }
}

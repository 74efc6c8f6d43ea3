using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Hooks;
using Kiln.Logging;
using Kiln.Models;
using Kiln.Optim;
using Microsoft.Extensions.Logging;

namespace Kiln.Tests.Hooks;

/// <summary>
/// A runner for calling hooks one stage at a time with settable counters, as MMEngine's hook tests set
/// <c>runner.train_loop._epoch</c>. Checkpoint saves write a small real file holding <c>meta</c> and the message hub.
/// </summary>
internal sealed class FakeHookRunner(string workDir) : IHostRunnerContext
{
    public int Epoch { get; set; }
    public int Iter { get; set; }
    public int MaxEpochs { get; set; } = 100;
    public int MaxIters { get; set; } = 1000;
    public bool HasTrainLoop => true;
    public int DataloaderLength(string mode) => 4;
    public string WorkDir { get; } = workDir;
    public string LogDir => WorkDir;
    public string Timestamp => "20260101_000000";
    public string ExperimentName => "fake";
    public ConfigDict Cfg { get; } = new();
    public int Seed => 0;
    public int WorldSize => 1;
    public int Rank => 0;
    public MessageHub Hub { get; set; } = new();
    public IMessageHub MessageHub => Hub;
    public List<string> Logs { get; } = [];
    public ILogger Logger => new ListLogger(Logs);
    public BaseModel? TestModel { get; set; }
    public BaseModel Model => TestModel ?? throw new NotSupportedException("set TestModel");
    public IOptimWrapper? OptimWrapper => null;
    public LogProcessor LogProcessor { get; } = new();
    public string? ScalarSaveFile => null;
    public Kiln.Datasets.ISampler? TrainSampler => null;

    void IHostRunnerContext.CloseLogFile()
    {
        // the fake writes no log file
    }
    public IReadOnlyList<Kiln.Optim.Schedulers.ParamScheduler> ParamSchedulers => [];

    public void SaveCheckpoint(string directory, string fileName, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true) =>
        ((IHostRunnerContext)this).SaveCheckpoint(directory, fileName, saveOptimizer, saveParamScheduler, byEpoch, byEpoch ? (Epoch + 1, Iter) : (Epoch, Iter + 1));

    void IHostRunnerContext.SaveCheckpoint(string directory, string fileName, bool saveOptimizer, bool saveParamScheduler, bool byEpoch, (int Epoch, int Iter) meta)
    {
        Directory.CreateDirectory(directory);
        var checkpoint = new PyDict
        {
            ["meta"] = new PyDict { ["epoch"] = (long)meta.Epoch, ["iter"] = (long)meta.Iter },
            ["state_dict"] = new PyDict(),
            ["message_hub"] = MessageHubState.ToStateDict(Hub),
        };
        if (saveOptimizer) checkpoint["optimizer"] = new PyDict();
        CheckpointFile.Save(Path.Combine(directory, fileName), checkpoint);
    }

    public void RequestStop() { }

    public T Build<T>(string registry, ConfigDict cfg, string keyPath, IReadOnlyDictionary<string, object?>? defaultArgs = null) where T : class =>
        throw new NotSupportedException("the fake runner builds nothing");

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}

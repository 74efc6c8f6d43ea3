using Kiln.Config;
using Kiln.Hooks;
using Kiln.Logging;
using Kiln.Models;
using Kiln.Optim;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kiln.Tests.Logging;

/// <summary>A runner context with settable counters, as MMEngine's test_log_processor.py mocks its runner.</summary>
internal sealed class FakeRunnerContext : IRunnerContext
{
    public int Epoch { get; set; }
    public int Iter { get; set; }
    public int MaxEpochs { get; set; }
    public int MaxIters { get; set; }
    public bool HasTrainLoop { get; set; } = true;
    public Dictionary<string, int> Lengths { get; } = new() { ["train"] = 20, ["val"] = 10, ["test"] = 5 };
    public int DataloaderLength(string mode) => Lengths[mode];
    public string WorkDir => "/tmp";
    public string LogDir => "/tmp";
    public string Timestamp => "20260101_000000";
    public string ExperimentName => "test";
    public ConfigDict Cfg { get; } = new();
    public int Seed => 0;

    public int WorldSize => 1;

    public int Rank => 0;
    public MessageHub Hub { get; } = new();
    public IMessageHub MessageHub => Hub;
    public ILogger Logger => NullLogger.Instance;
    public BaseModel Model => throw new NotSupportedException();
    public IOptimWrapper? OptimWrapper => null;
    public void SaveCheckpoint(string directory, string fileName, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true) =>
        throw new NotSupportedException();
    public bool StopRequested { get; private set; }
    public void RequestStop() => StopRequested = true;
}

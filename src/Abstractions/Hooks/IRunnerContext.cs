using Kiln.Config;
using Kiln.Logging;
using Kiln.Models;
using Kiln.Optim;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// What hooks see of the Runner: progress counters, the work directory, the message hub and the logger, plus the
/// few narrow actions hooks need (save a checkpoint, stop training). Hooks never reach the loop's internals.
/// </summary>
public interface IRunnerContext
{
    /// <summary>Completed training epochs (MMEngine's <c>runner.epoch</c>).</summary>
    int Epoch { get; }

    /// <summary>Completed training iterations (<c>runner.iter</c>).</summary>
    int Iter { get; }

    int MaxEpochs { get; }

    int MaxIters { get; }

    /// <summary>Whether a training loop exists (it changes the log-line header).</summary>
    bool HasTrainLoop { get; }

    /// <summary>Batches per pass of the dataloader of <paramref name="mode"/> (<c>train</c>, <c>val</c>, <c>test</c>).</summary>
    int DataloaderLength(string mode);

    string WorkDir { get; }

    /// <summary><c>work_dir/&lt;timestamp&gt;</c>, where the text log and <c>vis_data</c> go.</summary>
    string LogDir { get; }

    /// <summary>The run's start time as <c>yyyyMMdd_HHmmss</c>.</summary>
    string Timestamp { get; }

    string ExperimentName { get; }

    /// <summary>The run's visualizer (MMEngine's <c>runner.visualizer</c>); null where a context has none.</summary>
    Visualization.Visualizer? Visualizer => null;

    /// <summary>The merged config (empty when the Runner was built from objects).</summary>
    ConfigDict Cfg { get; }

    int Seed { get; }

    /// <summary>Processes in the run (MMEngine's <c>runner.world_size</c>); 1 until distributed training (issue 14).</summary>
    int WorldSize { get; }

    /// <summary>This process's rank (<c>runner.rank</c>); 0 in a single-process run.</summary>
    int Rank { get; }

    IMessageHub MessageHub { get; }

    ILogger Logger { get; }

    BaseModel Model { get; }

    /// <summary>The optimizer wrapper, once training has built it.</summary>
    IOptimWrapper? OptimWrapper { get; }

    /// <summary>
    /// Saves a checkpoint of the current state to <c>Path.Combine(directory, fileName)</c>, atomically.
    /// <paramref name="byEpoch"/> records the next epoch to run (<c>meta.epoch = epoch + 1</c>), else the next iteration.
    /// </summary>
    void SaveCheckpoint(string directory, string fileName, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true);

    /// <summary>Asks the training loop to stop after the current iteration (MMEngine's <c>stop_training</c>).</summary>
    void RequestStop();
}

using Kiln.Data;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Loops;

/// <summary>
/// MMEngine's <c>EpochBasedTrainLoop</c> (runner/loops.py): <see cref="MaxEpochs"/> passes over the dataloader,
/// validating every <see cref="ValInterval"/> epochs from <see cref="ValBegin"/> and after the last one.
/// </summary>
[Register(Registries.Loops)]
public sealed class EpochBasedTrainLoop
{
    private readonly Runner _runner;

    public EpochBasedTrainLoop(Runner runner, DataLoader dataloader, int maxEpochs, int valBegin = 1, int valInterval = 1)
    {
        if (maxEpochs <= 0) throw new KilnException($"train_cfg.max_epochs must be a positive integer, got {maxEpochs}.");
        if (valInterval <= 0) throw new KilnException($"train_cfg.val_interval must be a positive integer, got {valInterval}.");
        _runner = runner;
        Dataloader = dataloader;
        MaxEpochs = maxEpochs;
        ValBegin = valBegin;
        ValInterval = valInterval;
    }

    public DataLoader Dataloader { get; }

    public int MaxEpochs { get; }

    public int MaxIters => MaxEpochs * Dataloader.Count;

    public int ValBegin { get; }

    public int ValInterval { get; }

    /// <summary>Completed epochs.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Completed iterations.</summary>
    public int Iter { get; internal set; }

    internal bool StopTraining { get; set; }

    /// <summary>
    /// Order (loops.py: EpochBasedTrainLoop.run):
    /// BeforeTrain; per epoch: RunEpoch, then validate when due; AfterTrain.
    /// </summary>
    public void Run()
    {
        var hooks = _runner.HookList;
        hooks.Call(h => h.BeforeTrain(_runner));
        while (Epoch < MaxEpochs && !StopTraining)
        {
            RunEpoch();
            if (_runner.ValLoop is { } val && Epoch >= ValBegin && (Epoch % ValInterval == 0 || Epoch == MaxEpochs))
                val.Run();
        }
        hooks.Call(h => h.AfterTrain(_runner));
    }

    private void RunEpoch()
    {
        var hooks = _runner.HookList;
        hooks.Call(h => h.BeforeTrainEpoch(_runner));
        _runner.Model.train();
        using (var batches = Dataloader.GetEnumerator())
        {
            for (int index = 0; !StopTraining; index++)
            {
                // One scope per iteration, opened before the batch is fetched: the batch's tensors, the forward
                // graph and the losses are all freed here; only plain log values leave it.
                using var scope = torch.NewDisposeScope();
                if (!batches.MoveNext()) break;
                RunIter(index, batches.Current);
            }
        }
        hooks.Call(h => h.AfterTrainEpoch(_runner));
        Epoch++;
    }

    /// <summary>One training iteration: BeforeTrainIter → model.TrainStep → AfterTrainIter.</summary>
    private void RunIter(int index, DataBatch batch)
    {
        var hooks = _runner.HookList;
        var args = new Hooks.BatchArgs(index, batch);
        hooks.Call(h => h.BeforeTrainIter(_runner, args));
        var outputs = _runner.Model.TrainStep(batch, _runner.RequireOptimWrapper());
        var after = new Hooks.TrainIterArgs(index, batch, outputs);
        hooks.Call(h => h.AfterTrainIter(_runner, after));
        Iter++;
    }
}

using Kiln.Data;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Loops;

/// <summary>
/// MMEngine's <c>EpochBasedTrainLoop</c> (runner/loops.py): <see cref="MaxEpochs"/> passes over the dataloader,
/// validating every <c>val_interval</c> epochs from <c>val_begin</c> and after the last one. Resumed from a
/// checkpoint saved mid-epoch, it continues that epoch at the first batch not yet trained on.
/// </summary>
[Register(Registries.Loops)]
public sealed class EpochBasedTrainLoop : TrainLoop
{
    public EpochBasedTrainLoop(Runner runner, DataLoader dataloader, int maxEpochs, int valBegin = 1, int valInterval = 1,
        IReadOnlyList<IReadOnlyList<int>>? dynamicIntervals = null)
        : base(runner, dataloader, valBegin, valInterval, dynamicIntervals)
    {
        if (maxEpochs <= 0) throw new KilnException($"train_cfg.max_epochs must be a positive integer, got {maxEpochs}.");
        MaxEpochs = maxEpochs;
    }

    public override int MaxEpochs { get; }

    public override int MaxIters => MaxEpochs * Dataloader.Count;

    /// <summary>
    /// Order (loops.py: EpochBasedTrainLoop.run):
    /// BeforeTrain; per epoch: RunEpoch, epoch + 1, decide the val interval, validate when due; AfterTrain.
    /// </summary>
    public override void Run()
    {
        var hooks = Runner.HookList;
        hooks.Call(h => h.BeforeTrain(Runner));
        while (Epoch < MaxEpochs && !StopTraining && !Interrupted)
        {
            RunEpoch();
            if (Interrupted) return;
            DecideCurrentValInterval(Epoch + 1);
            if (ShouldValidate(Epoch, MaxEpochs)) Runner.ValLoop!.Run();
        }
        hooks.Call(h => h.AfterTrain(Runner));
    }

    private void RunEpoch()
    {
        var hooks = Runner.HookList;
        hooks.Call(h => h.BeforeTrainEpoch(Runner));
        Runner.Model.train();
        // A run resumed from a checkpoint saved mid-epoch (CheckpointHook by_epoch=False) starts this pass at the
        // first batch not yet trained on, skipping the consumed ones by sampler index (MMEngine restarts the epoch).
        int skip = Math.Clamp(Iter - Epoch * Dataloader.Count, 0, Dataloader.Count);
        using (var batches = Dataloader.Enumerate(skip).GetEnumerator())
        {
            for (int index = skip; !StopTraining && !Interrupted; index++)
            {
                // One scope per iteration, opened before the batch is fetched: the batch's tensors, the forward
                // graph and the losses are all freed here; only plain log values leave it.
                using var scope = torch.NewDisposeScope();
                if (!batches.MoveNext()) break;
                RunIter(index, batches.Current);
            }
        }
        if (Interrupted) return;
        hooks.Call(h => h.AfterTrainEpoch(Runner));
        Epoch++;
    }
}

using Kiln.Data;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Loops;

/// <summary>
/// MMEngine's <c>IterBasedTrainLoop</c> (runner/loops.py): <see cref="MaxIters"/> iterations over the dataloader,
/// restarting it when it runs out (the sampler moves to its next epoch), validating every <c>val_interval</c>
/// iterations from <c>val_begin</c> and after the last one. Unlike MMEngine it never sleeps at a wrap (MMEngine
/// sleeps 2 s so worker processes can restart), and a resumed run skips the consumed batches by sampler index
/// instead of loading them again.
/// </summary>
[Register(Registries.Loops)]
public sealed class IterBasedTrainLoop : TrainLoop
{
    public IterBasedTrainLoop(Runner runner, DataLoader dataloader, int maxIters, int valBegin = 1, int valInterval = 1000,
        IReadOnlyList<IReadOnlyList<int>>? dynamicIntervals = null)
        : base(runner, dataloader, valBegin, valInterval, dynamicIntervals)
    {
        if (maxIters <= 0) throw new KilnException($"train_cfg.max_iters must be a positive integer, got {maxIters}.");
        if (dataloader.Count == 0) throw new KilnException("the train dataloader yields no batches; an iteration-based loop needs at least one.");
        MaxIters = maxIters;
    }

    /// <summary>1, as MMEngine (kept for hooks that read it).</summary>
    public override int MaxEpochs => 1;

    public override int MaxIters { get; }

    /// <summary>
    /// Order (loops.py: IterBasedTrainLoop.run): BeforeTrain; BeforeTrainEpoch once; per iteration: RunIter,
    /// decide the val interval, validate when due; AfterTrainEpoch once; AfterTrain.
    /// The batch index given to the iteration hooks is the global iteration, as in MMEngine.
    /// </summary>
    public override void Run()
    {
        var hooks = Runner.HookList;
        hooks.Call(h => h.BeforeTrain(Runner));
        hooks.Call(h => h.BeforeTrainEpoch(Runner));
        // An InfiniteSampler's stream never ends, so a resumed run skips all consumed batches of its one pass.
        int passes = Dataloader.IsInfinite ? 0 : Iter / Dataloader.Count;
        int skip = Dataloader.IsInfinite ? Iter : Iter % Dataloader.Count;
        var batches = StartPass(passes, skip);
        try
        {
            while (Iter < MaxIters && !StopTraining && !Interrupted)
            {
                Runner.Model.train();
                using (torch.NewDisposeScope())
                {
                    if (!batches.MoveNext())
                    {
                        batches.Dispose();
                        batches = StartPass(++passes, 0);
                        if (!batches.MoveNext()) break;
                    }
                    RunIter(Iter, batches.Current);
                }
                if (Interrupted) break;
                DecideCurrentValInterval(Iter + 1);
                if (ShouldValidate(Iter, MaxIters)) Runner.ValLoop!.Run();
            }
        }
        finally
        {
            batches.Dispose();
        }
        if (Interrupted) return;
        hooks.Call(h => h.AfterTrainEpoch(Runner));
        hooks.Call(h => h.AfterTrain(Runner));
    }

    /// <summary>Starts pass <paramref name="pass"/> of the dataloader (the sampler's epoch), skipping consumed batches.</summary>
    private IEnumerator<Structures.DataBatch> StartPass(int pass, int skipBatches)
    {
        Dataloader.Sampler.SetEpoch(pass);
        return Dataloader.Enumerate(skipBatches).GetEnumerator();
    }
}

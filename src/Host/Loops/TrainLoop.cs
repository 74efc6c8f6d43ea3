using Kiln.Data;
using Kiln.Hooks;
using Kiln.Structures;

namespace Kiln.Loops;

/// <summary>
/// What the epoch- and iteration-based training loops share (MMEngine's <c>BaseLoop</c> plus the train loops'
/// counters): the dataloader, progress, validation timing with <c>val_begin</c>, <c>val_interval</c> and
/// <c>dynamic_intervals</c>, and the one training iteration. A custom loop subclasses this and is built through the
/// LOOPS registry with <c>train_cfg=dict(type='MyLoop', ...)</c>; it receives <c>runner</c> and <c>dataloader</c>.
/// </summary>
public abstract class TrainLoop : BaseLoop
{
    private readonly int[] _milestones;
    private readonly int[] _intervals;

    /// <param name="dynamicIntervals">(milestone, interval) pairs: from that epoch (iteration) on, validate every interval.</param>
    protected TrainLoop(Runner runner, DataLoader dataloader, int valBegin, int valInterval, IReadOnlyList<IReadOnlyList<int>>? dynamicIntervals)
        : base(runner, dataloader)
    {
        if (valInterval <= 0) throw new KilnException($"train_cfg.val_interval must be a positive integer, got {valInterval}.");
        ValBegin = valBegin;
        ValInterval = valInterval;
        var pairs = dynamicIntervals ?? [];
        foreach (var pair in pairs)
            if (pair.Count != 2 || pair[1] <= 0)
                throw new KilnException($"train_cfg.dynamic_intervals entries must be (milestone, interval) with a positive interval, got ({string.Join(", ", pair)}).");
        for (int i = 1; i < pairs.Count; i++)
            if (pairs[i][0] <= pairs[i - 1][0])
                throw new KilnException("train_cfg.dynamic_intervals milestones must increase.");
        _milestones = [0, .. pairs.Select(p => p[0])];
        _intervals = [valInterval, .. pairs.Select(p => p[1])];
    }


    public abstract int MaxEpochs { get; }

    public abstract int MaxIters { get; }

    public int ValBegin { get; }

    /// <summary>The validation interval in force now (changes at <c>dynamic_intervals</c> milestones).</summary>
    public int ValInterval { get; private set; }

    /// <summary>Completed epochs.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Completed iterations.</summary>
    public int Iter { get; internal set; }

    internal bool StopTraining { get; set; }

    /// <summary>
    /// Set by <see cref="Runner.Interrupt"/> (kiln serve's graceful stop): the loop ends after the current iteration,
    /// without finishing the epoch, validating or calling AfterTrainEpoch/AfterTrain, so the run can resume there.
    /// </summary>
    internal bool Interrupted { get; set; }

    public abstract void Run();

    /// <summary>MMEngine's <c>_decide_current_val_interval</c>: the interval of the last milestone at or before <paramref name="progress"/>.</summary>
    protected void DecideCurrentValInterval(int progress)
    {
        int step = Array.FindLastIndex(_milestones, m => m <= progress);
        ValInterval = _intervals[Math.Max(step, 0)];
    }

    /// <summary>Whether to validate now that <paramref name="progress"/> epochs (iterations) are done of <paramref name="max"/>.</summary>
    protected bool ShouldValidate(int progress, int max) =>
        Runner.ValLoop is not null && progress >= ValBegin && (progress % ValInterval == 0 || progress == max);

    /// <summary>One training iteration: BeforeTrainIter → model.TrainStep → AfterTrainIter, then the counter.</summary>
    protected void RunIter(int batchIndex, DataBatch batch)
    {
        var hooks = Runner.HookList;
        var args = new BatchArgs(batchIndex, batch);
        hooks.Call(h => h.BeforeTrainIter(Runner, args));
        var outputs = Runner.ModelWrapper is { } wrapper
            ? wrapper.TrainStep(batch, Runner.RequireOptimWrapper())
            : Runner.Model.TrainStep(batch, Runner.RequireOptimWrapper());
        var after = new TrainIterArgs(batchIndex, batch, outputs);
        hooks.Call(h => h.AfterTrainIter(Runner, after));
        Iter++;
    }
}

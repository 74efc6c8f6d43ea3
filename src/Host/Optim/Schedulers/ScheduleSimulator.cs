namespace Kiln.Optim.Schedulers;

/// <summary>The values param group 0 has at every training iteration (absent keys are null).</summary>
public sealed record ScheduleTrace(IReadOnlyList<double> Lr, IReadOnlyList<double>? Momentum, IReadOnlyList<double>? WeightDecay, int EpochLength, bool ByEpoch);

/// <summary>
/// Steps built schedulers exactly as the train loops and <see cref="Hooks.ParamSchedulerHook"/> do, with no data:
/// the value of an iteration is read before it (RuntimeInfoHook's <c>before_train_iter</c>), iteration-based
/// schedulers step after every iteration, epoch-based ones after every epoch (an iteration-based loop calls
/// <c>after_train_epoch</c> once, at its end). Schedulers that need validation metrics (ReduceOnPlateau) only count
/// their steps: with no validation there is nothing to compare.
/// </summary>
public static class ScheduleSimulator
{
    /// <param name="optimizer">The optimizer wrapper (or optimizer) the schedulers were built over.</param>
    /// <param name="schedulers">Built schedulers (each has stepped once, at construction).</param>
    /// <param name="byEpoch">Whether the train loop is epoch-based.</param>
    /// <param name="maxEpochs">Epochs of an epoch-based loop.</param>
    /// <param name="epochLength">Iterations per epoch.</param>
    /// <param name="maxIters">Iterations of an iteration-based loop.</param>
    public static ScheduleTrace Run(object optimizer, IReadOnlyList<ParamScheduler> schedulers, bool byEpoch, int maxEpochs, int epochLength, int maxIters)
    {
        var group = ParamGroupValues.Of(optimizer)[0];
        var lr = new List<double>();
        List<double>? momentum = group.Contains("momentum") ? [] : null;
        List<double>? weightDecay = group.Contains("weight_decay") ? [] : null;
        void Record()
        {
            lr.Add(group["lr"]);
            momentum?.Add(group["momentum"]);
            weightDecay?.Add(group["weight_decay"]);
        }
        void AfterIter()
        {
            foreach (var s in schedulers)
                if (!s.ByEpoch) s.Step();
        }
        void AfterEpoch()
        {
            foreach (var s in schedulers)
                if (s.ByEpoch) s.Step();
        }
        if (byEpoch)
        {
            if (maxEpochs > 0 && epochLength <= 0)
                throw new KilnException($"an epoch-based schedule needs the iterations per epoch, got {epochLength}.");
            for (int epoch = 0; epoch < maxEpochs; epoch++)
            {
                for (int i = 0; i < epochLength; i++)
                {
                    Record();
                    AfterIter();
                }
                AfterEpoch();
            }
        }
        else
        {
            for (int i = 0; i < maxIters; i++)
            {
                Record();
                AfterIter();
            }
            AfterEpoch();
        }
        return new ScheduleTrace(lr, momentum, weightDecay, epochLength, byEpoch);
    }
}

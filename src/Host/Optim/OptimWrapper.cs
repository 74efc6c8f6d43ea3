using Kiln.Config;
using Kiln.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>OptimWrapper</c> (optim/optimizer/optimizer_wrapper.py) over a TorchSharp optimizer:
/// <see cref="UpdateParams"/> = scale loss → backward → (when the accumulation window is full) step → zero grad.
/// Gradient accumulation follows MMEngine, including the scaling of the last incomplete window.
/// Not built yet (issue 6): <c>clip_grad</c>, AMP, <c>OptimContext</c> no-sync.
/// </summary>
[Register(Registries.OptimWrappers)]
public class OptimWrapper : IOptimWrapper
{
    public OptimWrapper(optim.Optimizer optimizer, int accumulativeCounts = 1, ConfigDict? clipGrad = null)
    {
        if (accumulativeCounts < 1)
            throw new KilnException($"optim_wrapper.accumulative_counts must be at least 1, got {accumulativeCounts}.");
        if (clipGrad is not null)
            throw new KilnException("optim_wrapper.clip_grad is not built yet in Kiln (issue 6); remove it from the config.");
        Optimizer = optimizer;
        AccumulativeCounts = accumulativeCounts;
        BaseLr = ParamGroups().FirstOrDefault()?.LearningRate ?? double.NaN;
    }

    public optim.Optimizer Optimizer { get; }

    public int AccumulativeCounts { get; }

    /// <summary>Backward passes so far (MMEngine's <c>_inner_count</c>).</summary>
    public int InnerCount { get; private set; }

    /// <summary>Total iterations of training, or -1 when unknown (<c>_max_counts</c>).</summary>
    public int MaxCounts { get; private set; } = -1;

    private int RemainderCounts => MaxCounts < 0 ? -1 : MaxCounts % AccumulativeCounts;

    /// <summary>MMEngine's <c>initialize_count_status</c>: where training starts and how long it runs.</summary>
    public void InitializeCountStatus(int initCounts, int maxCounts)
    {
        InnerCount = initCounts;
        MaxCounts = maxCounts;
    }

    public void UpdateParams(Tensor loss)
    {
        using var scaled = ScaleLoss(loss);
        Backward(scaled);
        if (ShouldUpdate())
        {
            Step();
            ZeroGrad();
        }
    }

    public void Backward(Tensor loss)
    {
        loss.backward();
        InnerCount++;
    }

    public virtual void Step() => Optimizer.step();

    public void ZeroGrad() => Optimizer.zero_grad();

    /// <summary>Divides by the window size, or by the remainder for the last incomplete window.</summary>
    private Tensor ScaleLoss(Tensor loss)
    {
        if (AccumulativeCounts == 1) return loss.alias();
        int divisor = MaxCounts == -1 || InnerCount < MaxCounts - RemainderCounts ? AccumulativeCounts : RemainderCounts;
        return loss / divisor;
    }

    private bool ShouldUpdate() => InnerCount % AccumulativeCounts == 0 || InnerCount == MaxCounts;

    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetLr()
    {
        var lrs = ParamGroups().Select(g => g.LearningRate).ToList();
        var result = new Dictionary<string, IReadOnlyList<double>> { ["lr"] = lrs };
        if (lrs.Distinct().Count() > 1) result = new() { ["base_lr"] = [BaseLr], ["lr"] = lrs };
        return result;
    }

    /// <summary>The learning rate the optimizer was built with (MMEngine's <c>base_param_settings['lr']</c>).</summary>
    public double BaseLr { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetMomentum()
    {
        var momentum = ParamGroups().Select(g => g.Options switch
        {
            SGD.Options s => s.momentum ?? 0,
            Adam.Options a => a.beta1 ?? 0,
            AdamW.Options w => w.beta1 ?? 0,
            _ => 0.0,
        }).ToList();
        return new Dictionary<string, IReadOnlyList<double>> { ["momentum"] = momentum };
    }

    public IEnumerable<ParamGroup> ParamGroups() => Optimizer.ParamGroups.OfType<ParamGroup>();
}

using Kiln.Distributed;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>SyncBuffersHook</c> (HOOK-13): in a distributed run, averages the model's buffers (BatchNorm running
/// statistics) over all ranks after each training epoch, and before a validation epoch that did not follow one, so every
/// rank validates and saves the same model. In a single process (<see cref="Dist.IsDistributed"/> false) it does
/// nothing, as MMEngine.
/// </summary>
[Register(Registries.Hooks)]
public sealed class SyncBuffersHook : Hook
{
    private bool _calledInTrain;

    public override int Priority => HookPriority.Normal;

    public override void BeforeValEpoch(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (!Dist.IsDistributed) return;
        if (!_calledInTrain) AllReduceBuffers(runner);
        _calledInTrain = false;
    }

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (!Dist.IsDistributed) return;
        AllReduceBuffers(runner);
        _calledInTrain = true;
    }

    /// <summary>MMEngine's <c>all_reduce_params(model.buffers(), op='mean')</c>, in place.</summary>
    private static void AllReduceBuffers(IRunnerContext runner)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var buffer in runner.Model.buffers()) Dist.Current.AllReduce(buffer, "mean");
    }
}

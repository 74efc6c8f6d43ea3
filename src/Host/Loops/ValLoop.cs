using Kiln.Data;
using Kiln.Evaluation;
using Kiln.Hooks;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Loops;

/// <summary>
/// MMEngine's <c>ValLoop</c> (runner/loops.py): one pass without gradients, each batch's predictions to the
/// evaluator, then the metrics to the hooks. <see cref="TestLoop"/> is the same pass with the test hook stages.
/// A custom evaluation loop derives from this class, registers in LOOPS and is named by <c>val_cfg.type</c> or
/// <c>test_cfg.type</c>; it receives <c>runner</c>, <c>dataloader</c> and <c>evaluator</c> like MMEngine's loops.
/// </summary>
[Register(Registries.Loops)]
public class ValLoop : BaseLoop
{

    public ValLoop(Runner runner, DataLoader dataloader, Evaluator evaluator)
        : this(runner, dataloader, evaluator, "val")
    {
    }

    /// <summary>For <see cref="TestLoop"/> and custom loops: <paramref name="mode"/> ('val' or 'test') picks the hook stages.</summary>
    protected ValLoop(Runner runner, DataLoader dataloader, Evaluator evaluator, string mode)
        : base(runner, dataloader)
    {
        if (mode is not ("val" or "test")) throw new ArgumentException($"mode must be 'val' or 'test', not '{mode}'.", nameof(mode));
        Evaluator = evaluator;
        Mode = mode;
    }

    public Evaluator Evaluator { get; }

    public string Mode { get; }

    /// <summary>Order: Before{Mode} → Before{Mode}Epoch → per batch (Before/After{Mode}Iter) → After{Mode}Epoch(metrics) → After{Mode}.</summary>
    public virtual IReadOnlyDictionary<string, double> Run()
    {
        var hooks = Runner.HookList;
        bool val = Mode == "val";
        hooks.Call(h => { if (val) h.BeforeVal(Runner); else h.BeforeTest(Runner); });
        hooks.Call(h => { if (val) h.BeforeValEpoch(Runner); else h.BeforeTestEpoch(Runner); });
        Runner.Model.eval();
        Evaluator.DatasetMeta = Dataloader.Dataset.MetaInfo;
        using (var batches = Dataloader.GetEnumerator())
        using (torch.no_grad())
        {
            for (int index = 0; ; index++)
            {
                using var scope = torch.NewDisposeScope();
                if (!batches.MoveNext()) break;
                var batch = batches.Current;
                var args = new BatchArgs(index, batch);
                hooks.Call(h => { if (val) h.BeforeValIter(Runner, args); else h.BeforeTestIter(Runner, args); });
                var outputs = val ? Runner.Model.ValStep(batch) : Runner.Model.TestStep(batch);
                Evaluator.Process(outputs, batch);
                var after = new EvalIterArgs(index, batch, outputs);
                hooks.Call(h => { if (val) h.AfterValIter(Runner, after); else h.AfterTestIter(Runner, after); });
            }
        }
        var metrics = Evaluator.Evaluate(Dataloader.Dataset.Count);
        var metricArgs = new MetricsArgs(metrics);
        hooks.Call(h => { if (val) h.AfterValEpoch(Runner, metricArgs); else h.AfterTestEpoch(Runner, metricArgs); });
        hooks.Call(h => { if (val) h.AfterVal(Runner); else h.AfterTest(Runner); });
        return metrics;
    }
}

/// <summary>MMEngine's <c>TestLoop</c>: the evaluation pass of <see cref="ValLoop"/> with the test hook stages.</summary>
[Register(Registries.Loops)]
public class TestLoop(Runner runner, DataLoader dataloader, Evaluator evaluator) : ValLoop(runner, dataloader, evaluator, "test");

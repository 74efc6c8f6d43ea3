using System.Globalization;
using System.Reflection;
using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Logging;
using Kiln.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>What the Runner does with any optimizer wrapper, one optimizer or several (<see cref="OptimWrapperDict"/>).</summary>
public interface IManagedOptimWrapper : IOptimWrapper
{
    /// <summary>MMEngine's <c>initialize_count_status</c>: where training starts and how long it runs.</summary>
    void InitializeCountStatus(int initCounts, int maxCounts);

    /// <summary>The state a checkpoint's <c>optimizer</c> entry holds (PyTorch's <c>Optimizer.state_dict()</c> layout).</summary>
    PyDict StateDict();

    /// <summary>Restores <see cref="StateDict"/>'s value; <paramref name="source"/> is named in errors.</summary>
    void LoadStateDict(PyDict stateDict, string source);

    /// <summary>Where <c>train/grad_norm</c> goes (MMEngine's current message hub); the Runner sets its own.</summary>
    IMessageHub? MessageHub { get; set; }
}

/// <summary>
/// MMEngine's <c>OptimWrapper</c> (optim/optimizer/optimizer_wrapper.py) over a TorchSharp optimizer (OPT-01..08, OPT-16):
/// <see cref="UpdateParams"/> = scale loss → backward → (when the accumulation window is full) clip → step → zero grad.
/// Gradient accumulation follows MMEngine, including the scaling of the last incomplete window. <c>clip_grad</c>:
/// <c>dict(max_norm=..., norm_type=2)</c> → <c>clip_grad_norm_</c>, the total norm logged as <c>train/grad_norm</c>;
/// <c>dict(type='value', clip_value=...)</c> → <c>clip_grad_value_</c>.
/// </summary>
[Register(Registries.OptimWrappers)]
public class OptimWrapper : IManagedOptimWrapper
{
    private static readonly FieldInfo DefaultsField =
        typeof(OptimizerHelper).GetField("_defaults", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static readonly FieldInfo StateField =
        typeof(OptimizerHelper).GetField("_state", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly ClipGrad? _clip;

    public OptimWrapper(optim.Optimizer optimizer, int accumulativeCounts = 1, ConfigDict? clipGrad = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (accumulativeCounts < 1)
            throw new KilnException($"optim_wrapper.accumulative_counts must be at least 1, got {accumulativeCounts}.");
        Optimizer = optimizer;
        AccumulativeCounts = accumulativeCounts;
        _clip = clipGrad is null ? null : ClipGrad.Parse(clipGrad);

        // optimizer_wrapper.py: with more than one param group, get_lr() also reports the optimizer's default lr.
        var groups = ParamGroups().ToList();
        if (groups.Count > 1)
            BaseLr = (DefaultsField.GetValue(optimizer) as OptimizerOptions)?.LearningRate ?? groups[0].LearningRate;
    }

    public optim.Optimizer Optimizer { get; }

    public int AccumulativeCounts { get; }

    /// <summary>Backward passes so far (MMEngine's <c>_inner_count</c>).</summary>
    public int InnerCount { get; protected set; }

    /// <summary>Total iterations of training, or -1 when unknown (<c>_max_counts</c>).</summary>
    public int MaxCounts { get; private set; } = -1;

    /// <summary>Iterations in the last, incomplete accumulation window, or -1 when unknown (<c>_remainder_counts</c>).</summary>
    public int RemainderCounts => MaxCounts < 0 ? -1 : MaxCounts % AccumulativeCounts;

    /// <summary>The optimizer's default lr when it has several param groups (MMEngine's <c>base_param_settings['lr']</c>), else null.</summary>
    public double? BaseLr { get; }

    public IMessageHub? MessageHub { get; set; }

    /// <summary>The total gradient norm of the last clipped step (<c>clip_grad</c> by norm), NaN before one.</summary>
    public double LastGradNorm { get; private set; } = double.NaN;

    /// <summary>MMEngine's <c>initialize_count_status</c>: where training starts and how long it runs.</summary>
    public void InitializeCountStatus(int initCounts, int maxCounts)
    {
        InnerCount = initCounts;
        MaxCounts = maxCounts;
    }

    public void UpdateParams(Tensor loss)
    {
        if (AccumulativeCounts == 1)
        {
            Backward(loss);
        }
        else
        {
            using var scaled = ScaleLoss(loss);
            Backward(scaled);
        }

        if (ShouldUpdate())
        {
            Step();
            ZeroGrad();
        }
    }

    /// <summary><c>loss.backward()</c> and one more inner count.</summary>
    public virtual void Backward(Tensor loss)
    {
        loss.backward();
        InnerCount++;
        SyncGradientsIfWindowComplete();
    }

    /// <summary>
    /// The data-parallel model wrapper's gradient all-reduce (<see cref="Distributed.MMDistributedDataParallel"/>), or null
    /// in one process. It sets itself here on its first training step.
    /// </summary>
    public Distributed.IGradientSync? GradientSync { get; set; }

    /// <summary>
    /// After a backward pass: when it completes the accumulation window (the next <see cref="Step"/> will update),
    /// averages the optimizer's gradients over the ranks, as DDP's backward does outside <c>no_sync</c>.
    /// </summary>
    protected void SyncGradientsIfWindowComplete()
    {
        if (GradientSync is { } sync && ShouldUpdate())
            sync.SyncGradients(ParamGroups().SelectMany(g => g.Parameters).Distinct().ToList());
    }

    /// <summary>Clips the gradients when <c>clip_grad</c> is set, then steps the optimizer.</summary>
    public virtual void Step()
    {
        if (HasClipGrad) ClipGradients();
        OptimizerStep();
    }

    /// <summary>Whether <c>clip_grad</c> is set.</summary>
    protected bool HasClipGrad => _clip is not null;

    /// <summary><c>optimizer.step()</c> (with the Adadelta step count below).</summary>
    protected void OptimizerStep()
    {
        if (Optimizer is Adadelta) CountAdadeltaSteps();
        Optimizer.step();
    }

    /// <summary>
    /// adadelta.py counts <c>state['step']</c> for every parameter with a gradient; TorchSharp's Adadelta does not,
    /// so the wrapper counts, keeping checkpoints in PyTorch's layout (the update itself does not use the count).
    /// </summary>
    private void CountAdadeltaSteps()
    {
        if (StateField.GetValue(Optimizer) is not IDictionary<IntPtr, OptimizerState> states) return;
        foreach (var p in ParamGroups().SelectMany(g => g.Parameters))
        {
            if (p.grad is not null && states.TryGetValue(p.Handle, out var state) && state is Adadelta.State s) s.step++;
        }
    }

    public void ZeroGrad() => Optimizer.zero_grad();

    /// <summary>
    /// MMEngine's <c>optim_context(model)</c>: the forward pass of a training step runs inside it. In one process
    /// there is no gradient synchronisation to skip, so the plain wrapper has nothing to switch; wrappers that do
    /// (mixed precision) override it.
    /// </summary>
    public virtual IDisposable OptimContext(nn.Module model) => NoContext.Instance;

    /// <summary>MMEngine's <c>should_update</c>: the accumulation window is full, or training ends here.</summary>
    public bool ShouldUpdate() => InnerCount % AccumulativeCounts == 0 || InnerCount == MaxCounts;

    /// <summary>MMEngine's <c>should_sync</c>: the next backward completes a window.</summary>
    public bool ShouldSync() => (InnerCount + 1) % AccumulativeCounts == 0 || InnerCount + 1 == MaxCounts;

    /// <summary>Divides by the window size, or by the remainder for the last incomplete window (<c>scale_loss</c>).</summary>
    public Tensor ScaleLoss(Tensor loss)
    {
        if (AccumulativeCounts == 1) return loss.alias();
        int divisor = MaxCounts == -1 || InnerCount < MaxCounts - RemainderCounts ? AccumulativeCounts : RemainderCounts;
        return loss / divisor;
    }

    /// <summary>MMEngine's <c>_clip_grad</c>: clips as <c>clip_grad</c> says (which must be set).</summary>
    protected void ClipGradients()
    {
        // optimizer_wrapper.py _clip_grad: the parameters of every group that require and have a gradient.
        var parameters = ParamGroups().SelectMany(g => g.Parameters).Where(p => p.requires_grad && p.grad is not null).ToList();
        if (parameters.Count == 0) return;
        if (_clip!.ByValue)
        {
            // clip_grad_value_ returns None, so nothing is logged.
            nn.utils.clip_grad_value_(parameters, _clip.Value);
            return;
        }

        LastGradNorm = nn.utils.clip_grad_norm_(parameters, _clip.Value, _clip.NormType);
        MessageHub?.UpdateScalar("train/grad_norm", LastGradNorm);
    }

    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetLr()
    {
        // Called before every training iteration (RuntimeInfoHook): no LINQ, two small allocations.
        var lr = new List<double>(1);
        foreach (var group in Optimizer.ParamGroups)
            if (group is ParamGroup g) lr.Add(g.LearningRate);
        var result = new Dictionary<string, IReadOnlyList<double>>(2, StringComparer.Ordinal);
        if (BaseLr is { } baseLr) result["base_lr"] = [baseLr];
        result["lr"] = lr;
        return result;
    }

    /// <summary>
    /// MMEngine's <c>get_momentum</c>: per group, <c>momentum</c> where the optimizer has one (SGD, RMSprop),
    /// else <c>betas[0]</c> (the Adam family), else 0.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetMomentum()
    {
        var momentum = ParamGroups().Select(g => g switch
        {
            optim.IMomentum m => m.Momentum,
            optim.IBetas b => b.Betas.Item1,
            _ => g.Options switch
            {
                SGD.Options s => s.momentum ?? 0,
                RMSProp.Options r => r.momentum ?? 0,
                Adam.Options a => a.beta1 ?? 0,
                AdamW.Options w => w.beta1 ?? 0,
                _ => 0.0,
            },
        }).ToList();
        return new Dictionary<string, IReadOnlyList<double>> { ["momentum"] = momentum };
    }

    public IEnumerable<ParamGroup> ParamGroups() => Optimizer.ParamGroups.OfType<ParamGroup>();

    /// <summary><c>optimizer.state_dict()</c> in PyTorch's layout; the caller owns the tensors.</summary>
    public virtual PyDict StateDict() => OptimizerStateConverter.ToStateDict(Optimizer);

    /// <summary><c>optimizer.load_state_dict(state_dict)</c>; the value is copied, not retained.</summary>
    public virtual void LoadStateDict(PyDict stateDict, string source) => OptimizerStateConverter.LoadStateDict(Optimizer, stateDict, source);

    /// <summary><c>clip_grad</c> read as MMEngine's constructor does: <c>type</c> 'norm' (default) or 'value', then the clip function's arguments.</summary>
    private sealed record ClipGrad(bool ByValue, double Value, double NormType)
    {
        public static ClipGrad Parse(ConfigDict cfg)
        {
            var args = new ConfigDict(cfg);
            var type = args.Pop("type") ?? "norm";
            if (args.Count == 0)
                throw new KilnException("optim_wrapper.clip_grad must give the clip function's arguments besides 'type', "
                    + "e.g. dict(max_norm=35, norm_type=2) or dict(type='value', clip_value=0.5).");
            ClipGrad result = type switch
            {
                "norm" => new(false, Number(args, "max_norm", "clip_grad_norm_", required: true)!.Value,
                    Number(args, "norm_type", "clip_grad_norm_", required: false) ?? 2.0),
                "value" => new(true, Number(args, "clip_value", "clip_grad_value_", required: true)!.Value, 0),
                _ => throw new KilnException($"optim_wrapper.clip_grad.type = {ConfigFormatter.Format(type)}: type of clip_grad should be \"norm\" or \"value\"."),
            };

            // PyTorch's other keywords select implementations of the same maths (foreach) or only add a check.
            args.Pop("foreach");
            if (!result.ByValue && args.Pop("error_if_nonfinite") is { } strict && !Equals(strict, false))
                throw new KilnException($"optim_wrapper.clip_grad.error_if_nonfinite = {ConfigFormatter.Format(strict)} is not available: TorchSharp's clip_grad_norm_ does not check; remove it.");
            if (args.Count > 0)
                throw new KilnException($"optim_wrapper.clip_grad does not take {string.Join(", ", args.Keys.Select(k => $"'{k}'"))}; "
                    + (result.ByValue ? "clip_grad_value_ takes clip_value." : "clip_grad_norm_ takes max_norm, norm_type."));
            return result;
        }

        private static double? Number(ConfigDict args, string key, string function, bool required)
        {
            var value = args.Pop(key);
            return value switch
            {
                long l => l,
                double d => d,
                string s when key == "norm_type" && s is "inf" => double.PositiveInfinity,
                null when !required => null,
                null => throw new KilnException($"optim_wrapper.clip_grad needs '{key}' for {function}."),
                _ => throw new KilnException($"optim_wrapper.clip_grad.{key} = {ConfigFormatter.Format(value)} must be a number."),
            };
        }
    }

    private sealed class NoContext : IDisposable
    {
        public static readonly NoContext Instance = new();

        public void Dispose()
        {
        }
    }
}

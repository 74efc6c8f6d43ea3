using System.Globalization;
using Kiln.Checkpoints;
using Kiln.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// PyTorch's <c>torch.amp.GradScaler</c> (dynamic loss scaling), in C# over TorchSharp tensor operations:
/// <see cref="ScaleLoss"/> multiplies the loss by the scale; <see cref="Unscale"/> divides the gradients by it and
/// records whether any is inf/NaN; <see cref="Step"/> skips the optimizer step when one was; <see cref="Update"/>
/// multiplies the scale by <c>backoff_factor</c> after such a step, and by <c>growth_factor</c> after
/// <c>growth_interval</c> clean steps in a row (the arithmetic of <c>torch._amp_update_scale_</c>: a float32 scale,
/// growth only to a finite value). A disabled scaler passes everything through, as PyTorch's.
/// </summary>
public sealed class GradScaler
{
    private enum Stage
    {
        Ready,
        Unscaled,
        Stepped,
    }

    private sealed class PerOptimizer
    {
        public Stage Stage = Stage.Ready;
        public bool? FoundInf;
    }

    private readonly Dictionary<optim.Optimizer, PerOptimizer> _perOptimizer = new(ReferenceEqualityComparer.Instance);
    private float _scale;

    public GradScaler(double initScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000,
        bool enabled = true)
    {
        if (!(growthFactor > 1.0))
            throw new KilnException($"GradScaler growth_factor = {Format(growthFactor)}: the growth factor must be > 1.0.");
        if (!(backoffFactor < 1.0))
            throw new KilnException($"GradScaler backoff_factor = {Format(backoffFactor)}: the backoff factor must be < 1.0.");
        if (growthInterval < 1)
            throw new KilnException($"GradScaler growth_interval = {growthInterval}: it must be a positive number of steps.");
        _scale = (float)initScale;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
        Enabled = enabled;
    }

    /// <summary>Builds from <c>loss_scale=dict(...)</c>: GradScaler's keyword arguments.</summary>
    public static GradScaler FromConfig(ConfigDict cfg, bool enabled, string keyPath)
    {
        double initScale = 65536.0, growthFactor = 2.0, backoffFactor = 0.5;
        int growthInterval = 2000;
        foreach (var (key, value) in cfg)
        {
            switch (key)
            {
                case "init_scale": initScale = Number(value, $"{keyPath}.init_scale"); break;
                case "growth_factor": growthFactor = Number(value, $"{keyPath}.growth_factor"); break;
                case "backoff_factor": backoffFactor = Number(value, $"{keyPath}.backoff_factor"); break;
                case "growth_interval":
                    growthInterval = value is long l and >= 1 and <= int.MaxValue ? (int)l
                        : throw new KilnException($"{keyPath}.growth_interval = {ConfigFormatter.Format(value)} must be a positive integer.");
                    break;
                case "enabled":
                    enabled = value is bool b ? enabled && b
                        : throw new KilnException($"{keyPath}.enabled = {ConfigFormatter.Format(value)} must be True or False.");
                    break;
                default:
                    throw new KilnException($"{keyPath} does not take '{key}'; GradScaler takes init_scale, growth_factor, "
                        + "backoff_factor, growth_interval, enabled.");
            }
        }
        return new GradScaler(initScale, growthFactor, backoffFactor, growthInterval, enabled);
    }

    public bool Enabled { get; }

    public double GrowthFactor { get; private set; }

    public double BackoffFactor { get; private set; }

    public int GrowthInterval { get; private set; }

    /// <summary><c>get_scale()</c>: the current scale (a float32 value), or 1.0 when disabled.</summary>
    public double Scale => Enabled ? _scale : 1.0;

    /// <summary>Clean steps in a row since the scale last changed (<c>_growth_tracker</c>).</summary>
    public int GrowthTracker { get; private set; }

    /// <summary><c>scale(loss)</c>: the loss times the scale (float32), or the loss itself when disabled. The caller owns the result.</summary>
    public Tensor ScaleLoss(Tensor loss)
    {
        if (!Enabled) return loss.alias();
        using var scale = tensor(_scale, ScalarType.Float32, loss.device);
        return loss * scale;
    }

    /// <summary>
    /// <c>unscale_(optimizer)</c>: divides every gradient of the optimizer's parameters by the scale and records
    /// whether any is inf/NaN. At most once between <see cref="Update"/>s, and before <see cref="Step"/>.
    /// </summary>
    public void Unscale(optim.Optimizer optimizer)
    {
        if (!Enabled) return;
        var state = StateOf(optimizer);
        if (state.Stage == Stage.Unscaled)
            throw new InvalidOperationException("unscale_() has already been called on this optimizer since the last update().");
        if (state.Stage == Stage.Stepped)
            throw new InvalidOperationException("unscale_() is being called after step().");

        // PyTorch: inv_scale = scale.double().reciprocal().float(); _amp_foreach_non_finite_check_and_unscale_.
        float invScale = (float)(1.0 / _scale);
        bool foundInf = false;
        using (NewDisposeScope())
        {
            Tensor? anyNonFinite = null;
            foreach (var p in Parameters(optimizer))
            {
                var grad = p.grad;
                if (grad is null) continue;
                if (grad.dtype == ScalarType.Float16)
                    throw new InvalidOperationException("Attempting to unscale FP16 gradients.");
                var nonFinite = grad.isfinite().logical_not().any();
                anyNonFinite = anyNonFinite is null ? nonFinite : anyNonFinite.logical_or(nonFinite.to(anyNonFinite.device));
                grad.mul_(invScale);
            }
            if (anyNonFinite is not null) foundInf = anyNonFinite.item<bool>();
        }
        state.FoundInf = foundInf;
        state.Stage = Stage.Unscaled;
    }

    /// <summary>
    /// <c>step(optimizer)</c>: unscales when <see cref="Unscale"/> was not called, then runs <paramref name="step"/>
    /// (the optimizer's step) unless a gradient was inf/NaN. Returns whether it stepped.
    /// </summary>
    public bool Step(optim.Optimizer optimizer, Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!Enabled)
        {
            step();
            return true;
        }
        var state = StateOf(optimizer);
        if (state.Stage == Stage.Stepped)
            throw new InvalidOperationException("step() has already been called since the last update().");
        if (state.Stage == Stage.Ready) Unscale(optimizer);
        bool stepped = state.FoundInf != true;
        if (stepped) step();
        state.Stage = Stage.Stepped;
        return stepped;
    }

    /// <summary>
    /// <c>update(new_scale=None)</c>: with <paramref name="newScale"/>, sets the scale to it (static loss scaling);
    /// otherwise backs off after an inf/NaN gradient and grows after <see cref="GrowthInterval"/> clean steps.
    /// </summary>
    public void Update(double? newScale = null)
    {
        if (!Enabled) return;
        if (newScale is { } fixedScale)
        {
            _scale = (float)fixedScale;
        }
        else
        {
            var recorded = _perOptimizer.Values.Where(s => s.FoundInf is not null).ToList();
            if (recorded.Count == 0) throw new InvalidOperationException("No inf checks were recorded prior to update.");
            bool foundInf = recorded.Any(s => s.FoundInf == true);

            // torch._amp_update_scale_ (AmpGradScalerKernels.cpp).
            if (foundInf)
            {
                _scale = (float)(_scale * BackoffFactor);
                GrowthTracker = 0;
            }
            else if (GrowthTracker + 1 == GrowthInterval)
            {
                float grown = (float)(_scale * GrowthFactor);
                if (float.IsFinite(grown)) _scale = grown;
                GrowthTracker = 0;
            }
            else
            {
                GrowthTracker++;
            }
        }
        _perOptimizer.Clear();
    }

    /// <summary>PyTorch's <c>state_dict()</c>: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker; empty when disabled.</summary>
    public PyDict StateDict()
    {
        var result = new PyDict();
        if (!Enabled) return result;
        result["scale"] = (double)_scale;
        result["growth_factor"] = GrowthFactor;
        result["backoff_factor"] = BackoffFactor;
        result["growth_interval"] = (long)GrowthInterval;
        result["_growth_tracker"] = (long)GrowthTracker;
        return result;
    }

    /// <summary>PyTorch's <c>load_state_dict</c>; a disabled scaler ignores it. <paramref name="source"/> is named in errors.</summary>
    public void LoadStateDict(PyDict stateDict, string source)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!Enabled) return;
        if (stateDict.Count == 0)
            throw new KilnException($"{source}: the loss_scaler state dict is empty, possibly because it was saved from a disabled instance of GradScaler.");
        double scale = Read(stateDict, "scale", source);
        double growth = Read(stateDict, "growth_factor", source);
        double backoff = Read(stateDict, "backoff_factor", source);
        double interval = Read(stateDict, "growth_interval", source);
        double tracker = Read(stateDict, "_growth_tracker", source);
        _scale = (float)scale;
        GrowthFactor = growth;
        BackoffFactor = backoff;
        GrowthInterval = (int)interval;
        GrowthTracker = (int)tracker;
    }

    private PerOptimizer StateOf(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!_perOptimizer.TryGetValue(optimizer, out var state)) _perOptimizer[optimizer] = state = new PerOptimizer();
        return state;
    }

    private static IEnumerable<Parameter> Parameters(optim.Optimizer optimizer) =>
        optimizer.ParamGroups.OfType<ParamGroup>().SelectMany(g => g.Parameters);

    private static double Read(PyDict dict, string key, string source) => dict.TryGetValue(key, out var value)
        ? value switch
        {
            double d => d,
            long l => l,
            int i => i,
            _ => throw new KilnException($"{source}: loss_scaler['{key}'] = {value} must be a number."),
        }
        : throw new KilnException($"{source}: the loss_scaler state dict has no '{key}'; it needs scale, growth_factor, backoff_factor, growth_interval, _growth_tracker.");

    private static double Number(object? value, string keyPath) => value switch
    {
        long l => l,
        double d => d,
        _ => throw new KilnException($"{keyPath} = {ConfigFormatter.Format(value)} must be a number."),
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

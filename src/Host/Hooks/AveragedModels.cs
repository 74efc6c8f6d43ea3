using Kiln.Checkpoints;
using Kiln.Registry;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseAveragedModel</c> (mmengine/model/averaged_model.py): a copy of a model's weights kept as a
/// running average. MMEngine deep-copies the module; TorchSharp modules cannot be deep-copied, so Kiln keeps a copy of
/// every entry of the model's <c>state_dict</c> (same names, dtypes and device) and the step counter. Every
/// <see cref="Interval"/> steps the parameters (and the buffers with <see cref="UpdateBuffers"/>) are averaged by
/// <see cref="AvgFunc"/>; the first update copies. <see cref="StateDict"/> gives MMEngine's layout: <c>steps</c>
/// then <c>module.&lt;name&gt;</c> for every entry.
/// </summary>
public abstract class BaseAveragedModel : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);
    private readonly HashSet<string> _parameterNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bufferNames = new(StringComparer.Ordinal);

    protected BaseAveragedModel(nn.Module model, int interval = 1, string? device = null, bool updateBuffers = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (interval < 1) throw new KilnException($"{GetType().Name}.interval must be 1 or more, got {interval}.");
        Interval = interval;
        UpdateBuffers = updateBuffers;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            var copy = device is null ? tensor.detach().clone() : tensor.detach().to(new Device(device)).clone();
            _state[name] = copy.DetachFromDisposeScope();
            _names.Add(name);
        }
        foreach (var (name, _) in model.named_parameters()) _parameterNames.Add(name);
        foreach (var (name, _) in model.named_buffers()) _bufferNames.Add(name);
    }

    public int Interval { get; }

    public bool UpdateBuffers { get; }

    /// <summary>How many times <see cref="UpdateParameters"/> has been called (MMEngine's <c>steps</c> buffer).</summary>
    public long Steps { get; private set; }

    /// <summary>The averaged tensor of a parameter or buffer of the source model, by its state_dict name.</summary>
    public Tensor this[string name] => _state.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"'{name}' is not in the averaged model; it has: {string.Join(", ", _names)}.");

    /// <summary>The names this model averages: the parameters, plus the buffers with <see cref="UpdateBuffers"/>.</summary>
    public IEnumerable<string> AveragedNames => _names.Where(n => _parameterNames.Contains(n) || (UpdateBuffers && _bufferNames.Contains(n)));

    /// <summary>The new averaged value from the old one, the source value and the step count.</summary>
    protected abstract Tensor AvgFunc(Tensor averaged, Tensor source, long steps);

    /// <summary>MMEngine's <c>update_parameters</c>: on every <see cref="Interval"/>-th step average (the first step copies); count the step.</summary>
    public void UpdateParameters(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Steps % Interval == 0)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var source = Source(model);
            foreach (var name in AveragedNames)
            {
                var avg = _state[name];
                var src = source[name].detach().to(avg.device);
                avg.copy_(Steps == 0 ? src : AvgFunc(avg, src, Steps));
            }
        }
        Steps++;
    }

    /// <summary>Copies the source model's current values into the average (EMAHook before <c>begin_iter</c>/<c>begin_epoch</c>).</summary>
    public void CopyFrom(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, src) in model.state_dict())
            if (_state.TryGetValue(name, out var avg)) avg.copy_(src.detach().to(avg.device));
    }

    /// <summary>Exchanges the averaged values with the model's (EMAHook around validation and test).</summary>
    public void SwapWith(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var source = Source(model);
        foreach (var name in AveragedNames)
        {
            var avg = _state[name];
            var src = source[name];
            var tmp = avg.clone();
            avg.copy_(src.to(avg.device));
            src.copy_(tmp.to(src.device));
        }
    }

    /// <summary>MMEngine's <c>state_dict()</c> of the averaged model: <c>steps</c>, then <c>module.&lt;name&gt;</c> (CPU tensors, owned by the caller's dispose scope).</summary>
    public PyOrderedDict StateDict()
    {
        var result = new PyOrderedDict { ["steps"] = tensor(Steps, ScalarType.Int64) };
        foreach (var name in _names) result["module." + name] = _state[name].detach().cpu().clone();
        return result;
    }

    /// <summary>Loads <see cref="StateDict"/>'s layout back. With <paramref name="strict"/>, missing or unexpected keys are an error.</summary>
    public void LoadStateDict(PyDict state, bool strict, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.TryGetValue("steps", out var steps) && steps is Tensor s) Steps = s.item<long>();
        var module = new PyDict();
        foreach (var (key, value) in state)
            if (key is string k && k.StartsWith("module.", StringComparison.Ordinal)) module[k[7..]] = value;
            else if (strict && !Equals(key, "steps")) throw new KilnException($"{source}: ema_state_dict has the unexpected key '{key}' (strict_load=True).");
        LoadModuleStateDict(module, strict, source);
    }

    /// <summary>Loads a model <c>state_dict</c> (names without <c>module.</c>) into the averaged copy (MMEngine's <c>load_state_dict(ema_model.module, ...)</c>).</summary>
    public void LoadModuleStateDict(PyDict state, bool strict, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var missing = _names.Where(n => !state.ContainsKey(n)).ToList();
        var unexpected = state.Keys.Select(k => k.ToString() ?? "").Where(k => !_state.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new KilnException($"{source}: the averaged model's state_dict does not match (strict_load=True): missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}].");
        foreach (var (key, value) in state)
            if (key is string name && _state.TryGetValue(name, out var avg) && value is Tensor t)
            {
                if (!t.shape.SequenceEqual(avg.shape))
                    throw new KilnException($"{source}: '{name}' has shape [{string.Join(", ", t.shape)}] where the averaged model has [{string.Join(", ", avg.shape)}].");
                avg.copy_(t.to(avg.device));
            }
    }

    private static Dictionary<string, Tensor> Source(nn.Module model)
    {
        var source = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in model.named_parameters()) source[name] = p;
        foreach (var (name, b) in model.named_buffers()) source[name] = b;
        return source;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var t in _state.Values) t.Dispose();
        _state.Clear();
    }
}

/// <summary>MMEngine's <c>StochasticWeightAverage</c>: <c>avg + (src - avg) / (steps // interval + 1)</c>.</summary>
[Register(Registries.Models)]
public sealed class StochasticWeightAverage(nn.Module model, int interval = 1, string? device = null, bool updateBuffers = false)
    : BaseAveragedModel(model, interval, device, updateBuffers)
{
    protected override Tensor AvgFunc(Tensor averaged, Tensor source, long steps) =>
        averaged + (source - averaged) / (steps / Interval + 1);
}

/// <summary>
/// MMEngine's <c>ExponentialMovingAverage</c>: <c>avg = (1 - momentum) * avg + momentum * src</c>; MMEngine's
/// momentum is the weight of the new value (default 0.0002), not PyTorch's convention. Must be in (0, 1); above 0.5 is
/// logged as a warning, as MMEngine does.
/// </summary>
[Register(Registries.Models)]
public class ExponentialMovingAverage : BaseAveragedModel
{
    public ExponentialMovingAverage(nn.Module model, double momentum = 0.0002, int interval = 1, string? device = null, bool updateBuffers = false,
        ILogger<ExponentialMovingAverage>? logger = null)
        : base(model, interval, device, updateBuffers)
    {
        if (!(momentum > 0.0 && momentum < 1.0))
            throw new KilnException($"{GetType().Name}.momentum must be in range (0.0, 1.0) but got {momentum}.");
        if (momentum > 0.5)
            logger?.LogWarning("The value of momentum in EMA is usually a small number,which is different from the conventional notion of momentum but got {Momentum}. Please make sure the value is correct.", momentum);
        Momentum = momentum;
    }

    public double Momentum { get; }

    protected override Tensor AvgFunc(Tensor averaged, Tensor source, long steps) =>
        averaged * (1 - Momentum) + source * Momentum;
}

/// <summary>MMEngine's <c>MomentumAnnealingEMA</c>: momentum <c>max(momentum, gamma / (gamma + steps))</c>, large early and annealed to <c>momentum</c>.</summary>
[Register(Registries.Models)]
public sealed class MomentumAnnealingEMA : ExponentialMovingAverage
{
    public MomentumAnnealingEMA(nn.Module model, double momentum = 0.0002, int gamma = 100, int interval = 1, string? device = null,
        bool updateBuffers = false, ILogger<ExponentialMovingAverage>? logger = null)
        : base(model, momentum, interval, device, updateBuffers, logger)
    {
        if (gamma <= 0) throw new KilnException($"MomentumAnnealingEMA.gamma must be greater than 0, but got {gamma}.");
        Gamma = gamma;
    }

    public int Gamma { get; }

    protected override Tensor AvgFunc(Tensor averaged, Tensor source, long steps)
    {
        double momentum = Math.Max(Momentum, Gamma / (double)(Gamma + Steps));
        return averaged * (1 - momentum) + source * momentum;
    }
}

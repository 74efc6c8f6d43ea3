using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>AmpOptimWrapper</c> (optim/optimizer/amp_optimizer_wrapper.py; OPT-03, SPEED-02): the forward pass of a
/// training step runs under libtorch's own autocast (<see cref="OptimContext"/>, <c>cache_enabled=False</c> as MMEngine),
/// and the loss is scaled by a <see cref="GradScaler"/>: <see cref="Backward"/> = <c>scale(loss).backward()</c>;
/// <see cref="Step"/> = unscale and clip when <c>clip_grad</c> is set, <c>scaler.step</c> (skipped on an inf/NaN
/// gradient), <c>scaler.update</c>.
/// <para><c>loss_scale</c>: <c>'dynamic'</c> (GradScaler's defaults: 65536, ×2 every 2000 clean steps, ×0.5 on
/// inf/NaN), a number (static scale), or <c>dict(init_scale=..., growth_factor=..., backoff_factor=...,
/// growth_interval=...)</c>. <c>dtype</c>: None (the device's autocast default: bfloat16 on CPU, float16 on CUDA),
/// 'float16', 'bfloat16', or 'float32'/'float64' (torch.autocast then disables autocast).</para>
/// <para>MMEngine's scaler is <c>torch.cuda.amp.GradScaler</c>, which disables itself when CUDA is not available; so is
/// Kiln's: on a CPU-only machine the loss is not scaled (bf16 needs no scaling) and the checkpoint's
/// <c>loss_scaler</c> is <c>{}</c>, as MMEngine's would be.</para>
/// </summary>
[Register(Registries.OptimWrappers)]
public class AmpOptimWrapper : OptimWrapper
{
    private static readonly string[] ValidDtypes = ["float16", "bfloat16", "float32", "float64"];

    private readonly double? _scaleUpdateParam;

    public AmpOptimWrapper(torch.optim.Optimizer optimizer, object? lossScale = null, string? dtype = null, bool useFsdp = false,
        int accumulativeCounts = 1, ConfigDict? clipGrad = null)
        : base(optimizer, accumulativeCounts, clipGrad)
    {
        if (useFsdp)
            throw new KilnException("optim_wrapper.use_fsdp = True is not available: Kiln trains in one process, without FullyShardedDataParallel; remove it.");
        if (!Autocast.IsAvailable)
            throw new KilnException("optim_wrapper.type = 'AmpOptimWrapper' is not available on this platform: its libtorch does not export "
                + "at::autocast's switches under their Itanium-ABI names (Linux and macOS builds do). Use type='OptimWrapper'.");

        bool scalerEnabled = torch.cuda.is_available();
        LossScaler = lossScale switch
        {
            null or "dynamic" => new GradScaler(enabled: scalerEnabled),
            double d => new GradScaler(initScale: d, enabled: scalerEnabled),
            long l => new GradScaler(initScale: l, enabled: scalerEnabled),
            ConfigDict cfg => GradScaler.FromConfig(cfg, scalerEnabled, "optim_wrapper.loss_scale"),
            _ => throw new KilnException($"optim_wrapper.loss_scale = {ConfigFormatter.Format(lossScale)}: loss_scale must be of type float, dict, or \"dynamic\"."),
        };
        if (lossScale is double or long) _scaleUpdateParam = LossScaler.Scale;

        if (dtype is not null && !ValidDtypes.Contains(dtype))
            throw new KilnException($"optim_wrapper.dtype = {ConfigFormatter.Format(dtype)}: dtype should be any of "
                + $"{string.Join(", ", ValidDtypes.Select(v => $"'{v}'"))}, or None (the device's default).");
        CastDtype = dtype switch
        {
            "float16" => torch.ScalarType.Float16,
            "bfloat16" => torch.ScalarType.BFloat16,
            "float32" => torch.ScalarType.Float32,
            "float64" => torch.ScalarType.Float64,
            _ => null,
        };
    }

    /// <summary>MMEngine's <c>loss_scaler</c> (<c>loss_scale</c> unset means 'dynamic', MMEngine's default).</summary>
    public GradScaler LossScaler { get; internal set; }

    /// <summary>MMEngine's <c>cast_dtype</c>: the autocast dtype, or null for the device's default.</summary>
    public torch.ScalarType? CastDtype { get; }

    /// <summary><c>loss_scaler.scale(loss).backward()</c> and one more inner count.</summary>
    public override void Backward(torch.Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using (var scaled = LossScaler.ScaleLoss(loss)) scaled.backward();
        InnerCount++;
        SyncGradientsIfWindowComplete();
    }

    /// <summary>Unscale and clip (when <c>clip_grad</c> is set), the scaler's step (skipped on inf/NaN), the scale update.</summary>
    public override void Step()
    {
        if (HasClipGrad)
        {
            LossScaler.Unscale(Optimizer);
            ClipGradients();
        }
        LossScaler.Step(Optimizer, OptimizerStep);
        LossScaler.Update(_scaleUpdateParam);
    }

    /// <summary>
    /// <c>autocast(dtype=cast_dtype, cache_enabled=False)</c> around the forward pass, on the device of the model's
    /// parameters (MMEngine's 'auto' device: CUDA when available, else CPU, for a model without parameters).
    /// </summary>
    public override IDisposable OptimContext(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var first = model.parameters().FirstOrDefault();
        var device = first?.device_type ?? (torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU);
        return Autocast.Enable(device, CastDtype, cacheEnabled: false);
    }

    /// <summary>The optimizer's state dict plus <c>loss_scaler</c> (the scaler's state dict).</summary>
    public override PyDict StateDict()
    {
        var result = base.StateDict();
        result["loss_scaler"] = LossScaler.StateDict();
        return result;
    }

    /// <summary>Loads <c>loss_scaler</c> when present, then the optimizer's state.</summary>
    public override void LoadStateDict(PyDict stateDict, string source)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var optimizerState = new PyDict();
        foreach (var (key, value) in stateDict)
        {
            if (Equals(key, "loss_scaler"))
                LossScaler.LoadStateDict(value as PyDict ?? throw new KilnException($"{source}: optimizer['loss_scaler'] must be a dict."), source);
            else
                optimizerState[key] = value;
        }
        base.LoadStateDict(optimizerState, source);
    }
}

using Kiln.Optim;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseModel</c>: one <see cref="Forward"/> with three modes, and the train/val/test steps the
/// loops call. It is a <see cref="BaseModule"/>, so <c>init_cfg</c> initialises it. Subclasses implement <see cref="Forward"/>; the steps are virtual for models with unusual
/// training (a GAN's two optimizers).
/// </summary>
public abstract class BaseModel : BaseModule
{
    /// <param name="name">The module's name.</param>
    /// <param name="dataPreprocessor">The batch preprocessor; a <see cref="BaseDataPreprocessor"/> when null.</param>
    /// <param name="initCfg">MMEngine's <c>init_cfg</c> (a dict or a list of dicts), applied by <see cref="BaseModule.InitWeights"/>.</param>
    protected BaseModel(string name, BaseDataPreprocessor? dataPreprocessor, object? initCfg = null) : base(name, initCfg)
    {
        _dataPreprocessor = new(dataPreprocessor ?? new BaseDataPreprocessor());
        register_module("data_preprocessor", _dataPreprocessor.Value!);
    }

    /// <summary>Stacks, normalises and moves each batch before <see cref="Forward"/>.</summary>
    public BaseDataPreprocessor DataPreprocessor => _dataPreprocessor.Value!;

    // Boxed so TorchSharp's RegisterComponents in subclasses does not register it a second time under a field name.
    private readonly System.Runtime.CompilerServices.StrongBox<BaseDataPreprocessor> _dataPreprocessor;

    /// <summary>The network. <paramref name="inputs"/> is the preprocessed batch.</summary>
    public abstract ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode);

    /// <summary>
    /// One optimisation step (base_model.py: train_step):
    /// 1. preprocess the batch and 2. forward in loss mode, inside <see cref="IOptimWrapper.OptimContext"/>; 3. <see cref="ParseLosses"/>;
    /// 4. <see cref="IOptimWrapper.UpdateParams"/>. Returns plain log values, so no tensor leaves the iteration.
    /// </summary>
    public virtual IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper)
    {
        IReadOnlyDictionary<string, Tensor> losses;
        using (optimWrapper.OptimContext(this))
        {
            var data = DataPreprocessor.Forward(batch, training: true);
            losses = Forward(data.Inputs, data.DataSamples, ForwardMode.Loss).Losses
                ?? throw new KilnException($"{GetType().Name}.Forward returned no losses in loss mode.");
        }
        var (loss, logVars) = ParseLosses(losses);
        optimWrapper.UpdateParams(loss);
        return logVars;
    }

    /// <summary>Predictions for one validation batch (no gradients).</summary>
    public virtual IReadOnlyList<DataSample> ValStep(DataBatch batch) => Predict(batch);

    /// <summary>Predictions for one test batch (no gradients).</summary>
    public virtual IReadOnlyList<DataSample> TestStep(DataBatch batch) => Predict(batch);

    private IReadOnlyList<DataSample> Predict(DataBatch batch)
    {
        using var noGrad = no_grad();
        var data = DataPreprocessor.Forward(batch, training: false);
        return Forward(data.Inputs, data.DataSamples, ForwardMode.Predict).Predictions
            ?? throw new KilnException($"{GetType().Name}.Forward returned no predictions in predict mode.");
    }

    /// <summary>
    /// MMEngine's <c>parse_losses</c>: each value is averaged; the total loss is the sum of the values whose key
    /// contains "loss"; log values are <c>loss</c> first, then every key in order. On a GPU all log values leave the
    /// device in one copy rather than one synchronisation per key; on the CPU each is read directly.
    /// </summary>
    public virtual (Tensor Loss, IReadOnlyDictionary<string, double> LogVars) ParseLosses(IReadOnlyDictionary<string, Tensor> losses)
    {
        var names = new List<string>(losses.Count + 1) { "loss" };
        var means = new List<Tensor>(losses.Count + 1);
        Tensor? total = null;
        foreach (var (name, value) in losses)
        {
            var mean = value.dim() == 0 && value.is_floating_point() ? value : value.mean();   // a scalar is its own mean
            names.Add(name);
            means.Add(mean);
            if (name.Contains("loss", StringComparison.Ordinal)) total = total is null ? mean : total + mean;
        }
        total ??= zeros(1, device: means.Count > 0 ? means[0].device : CPU).sum();
        means.Insert(0, total);
        var logVars = new Dictionary<string, double>(names.Count);
        using var noGrad = no_grad();
        if (total.device_type == DeviceType.CPU)
        {
            // On the CPU reading a value is a memory read, not a device synchronisation: read each one directly
            // rather than stacking them first (the same values, a few tensor operations fewer per iteration).
            for (int i = 0; i < names.Count; i++) logVars[names[i]] = ReadScalar(means[i]);
        }
        else
        {
            var values = stack(means.Select(m => m.detach().to(float64)).ToArray()).cpu().data<double>().ToArray();
            for (int i = 0; i < names.Count; i++) logVars[names[i]] = values[i];
        }
        return (total, logVars);
    }

    /// <summary>A one-element CPU tensor's value as a double (float32 widened exactly, as <c>.to(float64)</c> does).</summary>
    private static double ReadScalar(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => t.item<float>(),
        ScalarType.Float64 => t.item<double>(),
        _ => t.to(float64).item<double>(),
    };

    /// <summary>Moves the model and its preprocessor's target device.</summary>
    public BaseModel MoveTo(Device device)
    {
        this.to(device);
        DataPreprocessor.Device = device;
        return this;
    }
}

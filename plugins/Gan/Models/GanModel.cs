using Kiln.Models;
using Kiln.Optim;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Gan.Models;

/// <summary>
/// The GAN tutorial's model (MMEngine docs, "Train a GAN"; seed features T2.5): a <c>generator</c> and a
/// <c>discriminator</c> trained alternately by its own <see cref="TrainStep"/> over an optimizer wrapper dict with
/// a <c>generator</c> and a <c>discriminator</c> wrapper (OPT-09). Each step: the batch is preprocessed (the
/// tutorial's <c>ImgDataPreprocessor(mean=[127.5], std=[127.5])</c> maps pixels to [-1, 1]); the discriminator
/// learns on generated images (made without gradients) labelled fake and the real images labelled real
/// (<c>loss_disc_fake</c>, <c>loss_disc_real</c>, binary cross-entropy); then, with the discriminator's
/// <c>requires_grad</c> off, the generator learns to make the discriminator call fresh fakes real (<c>loss_gen</c>).
/// Returns the tutorial's log values: <c>loss</c> (the generator's, as its <c>log_vars.update</c> leaves it),
/// <c>loss_disc_fake</c>, <c>loss_disc_real</c>, <c>loss_gen</c>. <see cref="Forward"/> runs the generator on noise.
/// </summary>
/// <example><code>
/// model = dict(type='GAN', noise_size=100,
///     generator=dict(type='Generator', noise_size=100, img_shape=(1, 28, 28)),
///     discriminator=dict(type='Discriminator', img_shape=(1, 28, 28)),
///     data_preprocessor=dict(type='vision.ImgDataPreprocessor', mean=[127.5], std=[127.5]))
/// optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
///     generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.999))),
///     discriminator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.999))))
/// </code></example>
[Register(Registries.Models, "GAN")]
public sealed class GanModel : BaseModel
{
    private readonly nn.Module<Tensor, Tensor> generator;
    private readonly nn.Module<Tensor, Tensor> discriminator;

    /// <param name="generator">Noise (N × noise_size) → images; the tutorial's <see cref="Models.Generator"/>.</param>
    /// <param name="discriminator">Images → the probability each is real (N × 1, after a sigmoid).</param>
    /// <param name="noiseSize">Values per noise vector; must equal the generator's.</param>
    /// <param name="dataPreprocessor">The batch preprocessor (the tutorial's normalises to [-1, 1]).</param>
    /// <param name="initCfg">MMEngine's <c>init_cfg</c>.</param>
    public GanModel(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, int noiseSize = 100,
        BaseDataPreprocessor? dataPreprocessor = null, object? initCfg = null)
        : base("GAN", dataPreprocessor, initCfg)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        if (noiseSize < 1) throw new KilnException($"GAN.noise_size must be positive, got {noiseSize}.");
        // The tutorial's `assert generator.noise_size == noise_size`.
        if (generator is Generator g && g.NoiseSize != noiseSize)
            throw new KilnException($"GAN.noise_size = {noiseSize} but its generator's noise_size is {g.NoiseSize}; they must be equal.");
        this.generator = generator;
        this.discriminator = discriminator;
        NoiseSize = noiseSize;
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Generator => generator;

    public nn.Module<Tensor, Tensor> Discriminator => discriminator;

    public int NoiseSize { get; }

    /// <summary>
    /// One GAN step (the tutorial's <c>train_step</c>): <paramref name="optimWrapper"/> must be an
    /// <see cref="IOptimWrapperDict"/> with <c>discriminator</c> and <c>generator</c> wrappers. Runs inside its own
    /// dispose scope; only plain numbers leave.
    /// </summary>
    public override IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper)
    {
        var wrappers = optimWrapper as IOptimWrapperDict ?? throw new KilnException(
            $"GAN.TrainStep needs one optimizer wrapper per network, got a single {optimWrapper.GetType().Name}. Give "
            + "optim_wrapper = dict(constructor='MultiOptimWrapperConstructor', generator=dict(optimizer=...), discriminator=dict(optimizer=...)), "
            + "or an OptimWrapperDict with 'generator' and 'discriminator'.");
        using var scope = NewDisposeScope();
        var realImgs = DataPreprocessor.Forward(batch, training: true).Inputs;

        var discWrapper = wrappers["discriminator"];
        var logVars = new Dictionary<string, double>();
        using (discWrapper.OptimContext(discriminator))
            foreach (var (k, v) in TrainDiscriminator(realImgs, discWrapper)) logVars[k] = v;

        var genWrapper = wrappers["generator"];
        SetRequiresGrad(discriminator, false);
        try
        {
            using (genWrapper.OptimContext(generator))
                foreach (var (k, v) in TrainGenerator(realImgs, genWrapper)) logVars[k] = v;   // log_vars.update(log_vars_gen)
        }
        finally
        {
            SetRequiresGrad(discriminator, true);
        }
        return logVars;
    }

    /// <summary>The tutorial's <c>train_discriminator</c>: fakes from fresh noise (no generator gradients) and the real batch.</summary>
    private IReadOnlyDictionary<string, double> TrainDiscriminator(Tensor realImgs, IOptimWrapper wrapper)
    {
        var z = randn([realImgs.shape[0], NoiseSize], dtype: realImgs.dtype, device: realImgs.device);
        Tensor fakeImgs;
        using (no_grad()) fakeImgs = generator.call(z);
        var predFake = discriminator.call(fakeImgs);
        var predReal = discriminator.call(realImgs);
        var (loss, logVars) = ParseLosses(new Dictionary<string, Tensor>
        {
            ["loss_disc_fake"] = nn.functional.binary_cross_entropy(predFake, zeros_like(predFake)),
            ["loss_disc_real"] = nn.functional.binary_cross_entropy(predReal, ones_like(predReal)),
        });
        wrapper.UpdateParams(loss);
        return logVars;
    }

    /// <summary>The tutorial's <c>train_generator</c>: fresh fakes the discriminator should call real.</summary>
    private IReadOnlyDictionary<string, double> TrainGenerator(Tensor realImgs, IOptimWrapper wrapper)
    {
        var z = randn([realImgs.shape[0], NoiseSize], dtype: realImgs.dtype, device: realImgs.device);
        var predFake = discriminator.call(generator.call(z));
        var (loss, logVars) = ParseLosses(new Dictionary<string, Tensor>
        {
            ["loss_gen"] = nn.functional.binary_cross_entropy(predFake, ones_like(predFake)),
        });
        wrapper.UpdateParams(loss);
        return logVars;
    }

    /// <summary>The tutorial's <c>set_requires_grad</c>: locks (or unlocks) every parameter of <paramref name="net"/>.</summary>
    public static void SetRequiresGrad(nn.Module net, bool requiresGrad)
    {
        ArgumentNullException.ThrowIfNull(net);
        foreach (var p in net.parameters()) p.requires_grad = requiresGrad;
    }

    /// <summary>
    /// The tutorial's <c>forward</c>: runs the generator on <paramref name="inputs"/> (noise, N × noise_size) in
    /// tensor mode. The GAN trains through <see cref="TrainStep"/> and has no loss or predict mode.
    /// </summary>
    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode) => mode switch
    {
        ForwardMode.Tensor => ModelOutput.FromTensor(generator.call(inputs)),
        _ => throw new KilnException($"GAN has no '{mode.ToString().ToLowerInvariant()}' mode: it trains through its own TrainStep and "
            + "generates images in 'tensor' mode; remove val/test loops (val_cfg, val_dataloader, val_evaluator) from a GAN config."),
    };
}

using Kiln.Gan.Hooks;
using Kiln.Gan.Models;
using Kiln.Models;
using Kiln.Optim;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Gan.Tests;

/// <summary>
/// The GAN tutorial's model (T2.5, MOD-05 override of train_step, OPT-09 OptimWrapperDict, MOD-07 parse_losses) and
/// the sample hook's drawing (T2.8).
/// </summary>
public class GanModelTests
{
    private static (GanModel Model, OptimWrapperDict Wrappers) Make(int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new GanModel(new Models.Generator(100, [1, 28, 28]), new Discriminator([1, 28, 28]), 100);
        OptimWrapper Adam(nn.Module m) => new(torch.optim.Adam(m.parameters(), lr: 1e-4, beta1: 0.5, beta2: 0.999));
        return (model, new OptimWrapperDict([new("generator", Adam(model.Generator)), new("discriminator", Adam(model.Discriminator))]));
    }

    /// <summary>A batch of <paramref name="n"/> images already in [-1, 1] (the plain preprocessor only stacks them).</summary>
    private static DataBatch Batch(int n)
    {
        var inputs = Enumerable.Range(0, n).Select(_ => (object)(torch.rand(1, 28, 28) * 2 - 1)).ToList();
        return new DataBatch(inputs, new DataSample?[n]);
    }

    private static Dictionary<string, float[]> Snapshot(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    [Fact]
    public void TrainStep_UpdatesBothNetworks_LogsTutorialKeys_RestoresDiscriminatorGrad()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrappers) = Make();
        var g0 = Snapshot(model.Generator);
        var d0 = Snapshot(model.Discriminator);

        var logVars = model.TrainStep(Batch(8), wrappers);

        // log_vars.update(log_vars_gen): the discriminator's dict, then the generator's 'loss' over its 'loss'.
        Assert.Equal(new[] { "loss", "loss_disc_fake", "loss_disc_real", "loss_gen" }, logVars.Keys);
        Assert.Equal(logVars["loss_gen"], logVars["loss"]);
        Assert.All(logVars.Values, v => Assert.True(double.IsFinite(v) && v > 0));
        var g1 = Snapshot(model.Generator);
        var d1 = Snapshot(model.Discriminator);
        Assert.All(g0.Keys, k => Assert.NotEqual(g0[k], g1[k]));
        Assert.All(d0.Keys, k => Assert.NotEqual(d0[k], d1[k]));
        Assert.All(model.Discriminator.parameters(), p => Assert.True(p.requires_grad));
        // Both optimizers stepped once.
        Assert.NotEmpty((Checkpoints.PyDict)((Checkpoints.PyDict)wrappers.StateDict()["generator"]!)["state"]!);
        Assert.NotEmpty((Checkpoints.PyDict)((Checkpoints.PyDict)wrappers.StateDict()["discriminator"]!)["state"]!);
    }

    [Fact]
    public void TrainStep_DiscriminatorStep_DoesNotTouchGenerator_GeneratorStep_DoesNotTouchDiscriminator()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrappers) = Make();
        // With the generator's lr at 0, only the discriminator's step can move weights, and it must move only its own.
        foreach (var g in wrappers["generator"].Optimizer.ParamGroups) g.LearningRate = 0;
        var g0 = Snapshot(model.Generator);
        var d0 = Snapshot(model.Discriminator);
        model.TrainStep(Batch(8), wrappers);
        var g1 = Snapshot(model.Generator);
        Assert.All(g0.Keys, k => Assert.Equal(g0[k], g1[k]));
        Assert.Contains(d0.Keys, k => !d0[k].SequenceEqual(Snapshot(model.Discriminator)[k]));

        // And the other way round: the generator step leaves the discriminator (requires_grad off) alone.
        var (model2, wrappers2) = Make();
        foreach (var g in wrappers2["discriminator"].Optimizer.ParamGroups) g.LearningRate = 0;
        var d2 = Snapshot(model2.Discriminator);
        var g2 = Snapshot(model2.Generator);
        model2.TrainStep(Batch(8), wrappers2);
        Assert.All(d2.Keys, k => Assert.Equal(d2[k], Snapshot(model2.Discriminator)[k]));
        Assert.Contains(g2.Keys, k => !g2[k].SequenceEqual(Snapshot(model2.Generator)[k]));
    }

    [Fact]
    public void TrainStep_SameSeed_SameLosses()
    {
        using var scope = torch.NewDisposeScope();
        var (m1, w1) = Make(seed: 3);
        torch.manual_seed(7);
        var a = m1.TrainStep(Batch(8), w1);
        var (m2, w2) = Make(seed: 3);
        torch.manual_seed(7);
        var b = m2.TrainStep(Batch(8), w2);
        Assert.Equal(a, b);
    }

    [Fact]
    public void TrainStep_WithOneOptimWrapper_IsErrorNamingMultiOptimWrapperConstructor()
    {
        using var scope = torch.NewDisposeScope();
        var (model, _) = Make();
        var single = new OptimWrapper(torch.optim.Adam(model.parameters(), lr: 1e-4));
        var e = Assert.Throws<KilnException>(() => model.TrainStep(Batch(2), single));
        Assert.Contains("MultiOptimWrapperConstructor", e.Message);
        Assert.Contains("'generator' and 'discriminator'", e.Message);
    }

    [Fact]
    public void TrainStep_WrapperDictWithoutDiscriminator_IsErrorListingNames()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrappers) = Make();
        var onlyGen = new OptimWrapperDict([new("generator", wrappers["generator"])]);
        var e = Assert.Throws<KilnException>(() => model.TrainStep(Batch(2), onlyGen));
        Assert.Contains("no optimizer wrapper 'discriminator'", e.Message);
    }

    [Fact]
    public void Constructor_NoiseSizeOtherThanGenerators_IsError()
    {
        var e = Assert.Throws<KilnException>(() => new GanModel(new Models.Generator(64), new Discriminator(), 100));
        Assert.Contains("GAN.noise_size = 100 but its generator's noise_size is 64", e.Message);
    }

    [Fact]
    public void Forward_TensorModeRunsGenerator_OtherModesAreErrors()
    {
        using var scope = torch.NewDisposeScope();
        var (model, _) = Make();
        var output = model.Forward(torch.randn(3, 100), [], ForwardMode.Tensor);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, output.Raw!.shape);
        var e = Assert.Throws<KilnException>(() => model.Forward(torch.randn(3, 100), [], ForwardMode.Predict));
        Assert.Contains("GAN has no 'predict' mode", e.Message);
    }

    [Fact]
    public void SampleHook_Draw_FixedNoise_SameGridTwice_ModelStateUntouched()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrappers) = Make();
        model.TrainStep(Batch(8), wrappers);   // running statistics away from their initial values
        var buffers = model.Generator.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone());
        var hook = new GanSampleHook(numSamples: 64, nrow: 8, seed: 0);

        var a = hook.Draw(model);
        var b = hook.Draw(model);

        Assert.Equal(8 * 28 + 9 * 2, a.Width);     // make_grid: 8 per row, 2 pixels of padding around each
        Assert.Equal(8 * 28 + 9 * 2, a.Height);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.True(model.Generator.training, "the generator goes back to train mode");
        foreach (var (name, buffer) in model.Generator.named_buffers())
            Assert.True(buffer.SameAs(buffers[name]), $"{name} changed by drawing");
        // Another seed draws other noise.
        Assert.NotEqual(a.Pixels, new GanSampleHook(numSamples: 64, nrow: 8, seed: 1).Draw(model).Pixels);
        // Eval mode (running statistics) draws differently from batch statistics.
        Assert.NotEqual(a.Pixels, new GanSampleHook(numSamples: 64, nrow: 8, seed: 0, batchStats: false).Draw(model).Pixels);
    }

    [Fact]
    public void SampleHook_Grid_MapsMinusOneToBlackOneToWhite_PadsWithBlack()
    {
        // Three 1×2×2 images: all -1, all 1, all 0; two per row, padding 1 → 2 rows × 2 columns of cells.
        float[] pixels = [-1, -1, -1, -1, 1, 1, 1, 1, 0, 0, 0, 0];
        var grid = GanSampleHook.Grid(pixels, [3, 1, 2, 2], nrow: 2, padding: 1);
        Assert.Equal(2 * 3 + 1, grid.Width);
        Assert.Equal(2 * 3 + 1, grid.Height);
        Assert.Equal((byte)0, grid[1, 1].R);             // first image: -1 → 0
        Assert.Equal((255, 255, 255), ((int)grid[4, 1].R, (int)grid[4, 1].G, (int)grid[4, 1].B));   // second: 1 → 255
        Assert.Equal((byte)128, grid[1, 4].G);           // third, second row: 0 → 127.5 → 128
        Assert.Equal((byte)0, grid[3, 1].R);             // padding between the first two
        Assert.Equal((byte)0, grid[4, 4].R);             // the empty fourth cell
    }

    [Fact]
    public void SampleHook_Grid_Normalize_StretchesMinToBlackMaxToWhite()
    {
        // An untrained generator's faint output: values in [-0.1, 0.1] (make_grid's normalize=True).
        float[] pixels = [-0.1f, 0.02f, 0.05f, 0.1f];
        var plain = GanSampleHook.Grid(pixels, [1, 1, 2, 2], nrow: 1, padding: 0);
        var stretched = GanSampleHook.Grid(pixels, [1, 1, 2, 2], nrow: 1, padding: 0, normalize: true);
        Assert.Equal(new byte[] { 115, 130, 134, 140 }, new[] { plain[0, 0].R, plain[1, 0].R, plain[0, 1].R, plain[1, 1].R });
        Assert.Equal(new byte[] { 0, 153, 191, 255 }, new[] { stretched[0, 0].R, stretched[1, 0].R, stretched[0, 1].R, stretched[1, 1].R });
    }

    [Fact]
    public void SampleHook_BadOptions_AreErrors()
    {
        Assert.Contains("GanSampleHook.interval = 0", Assert.Throws<KilnException>(() => new GanSampleHook(interval: 0)).Message);
        Assert.Contains("batch_stats=True needs at least 2", Assert.Throws<KilnException>(() => new GanSampleHook(numSamples: 1)).Message);
    }
}

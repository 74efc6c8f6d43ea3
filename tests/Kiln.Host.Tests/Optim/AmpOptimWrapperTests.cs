using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.Optim;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Optim;

/// <summary>
/// OPT-03 / SPEED-02: libtorch's autocast through Kiln's interop, PyTorch GradScaler maths (torch/amp/grad_scaler.py,
/// torch._amp_update_scale_), and MMEngine's AmpOptimWrapper (amp_optimizer_wrapper.py).
/// </summary>
public class AmpOptimWrapperTests
{
    private static (nn.Module Model, optim.Optimizer Optimizer) Make(double lr = 0.1)
    {
        torch.manual_seed(0);
        var model = nn.Linear(2, 1);
        return (model, optim.SGD(model.parameters(), lr));
    }

    private static Tensor Loss(nn.Module model) => model.parameters().First().sum();

    private static float[] Weights(nn.Module model) => model.parameters().First().data<float>().ToArray();

    // OPT-03: a Linear layer's output under autocast on CPU is bfloat16 (CPU's default autocast dtype), float32 outside.
    [Fact]
    public void Autocast_CpuScope_LinearOutputIsBFloat16_AndFloat32Outside()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var linear = nn.Linear(4, 3);
        var x = torch.randn(2, 4);
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        using (Autocast.Enable(DeviceType.CPU))
        {
            Assert.True(Autocast.IsEnabled(DeviceType.CPU));
            Assert.Equal(ScalarType.BFloat16, linear.call(x).dtype);
        }
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        Assert.Equal(ScalarType.Float32, linear.call(x).dtype);
        Assert.Equal(ScalarType.Float32, linear.weight!.dtype);
    }

    // torch.autocast.__exit__: the previous state (enabled, dtype, cache flag) comes back, also from nested scopes.
    [Fact]
    public void Autocast_NestedScopes_RestorePreviousState()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var linear = nn.Linear(4, 3);
        var x = torch.randn(2, 4);
        var defaultDtype = Autocast.GetDtype(DeviceType.CPU);
        bool cache = Autocast.IsCacheEnabled;
        using (Autocast.Enable(DeviceType.CPU, ScalarType.Float16, cacheEnabled: false))
        {
            Assert.Equal(ScalarType.Float16, linear.call(x).dtype);
            Assert.False(Autocast.IsCacheEnabled);
            using (Autocast.Enable(DeviceType.CPU, enabled: false))
            {
                Assert.False(Autocast.IsEnabled(DeviceType.CPU));
                Assert.Equal(ScalarType.Float32, linear.call(x).dtype);
            }
            Assert.True(Autocast.IsEnabled(DeviceType.CPU));
            Assert.Equal(ScalarType.Float16, Autocast.GetDtype(DeviceType.CPU));
        }
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        Assert.Equal(defaultDtype, Autocast.GetDtype(DeviceType.CPU));
        Assert.Equal(cache, Autocast.IsCacheEnabled);
    }

    // OPT-03: AmpOptimWrapper.OptimContext autocasts the forward on the model's device; dtype='float16' is honoured.
    [Theory]
    [InlineData(null, ScalarType.BFloat16)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("float16", ScalarType.Float16)]
    [InlineData("float32", ScalarType.Float32)]
    public void OptimContext_AutocastsForwardInDtype(string? dtype, ScalarType expected)
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make();
        var wrapper = new AmpOptimWrapper(optimizer, dtype: dtype);
        using (wrapper.OptimContext(model))
        {
            Assert.Equal(expected, ((nn.Module<Tensor, Tensor>)model).call(torch.ones(1, 2)).dtype);
        }
        Assert.Equal(ScalarType.Float32, ((nn.Module<Tensor, Tensor>)model).call(torch.ones(1, 2)).dtype);
    }

    // GradScaler: the scale doubles after growth_interval clean steps and the tracker counts them; gradients reach the
    // optimizer unscaled.
    [Fact]
    public void GradScaler_GrowsAfterGrowthIntervalCleanSteps()
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make(lr: 0.1);
        var scaler = new GradScaler(initScale: 1024, growthInterval: 3);
        var expected = new[] { (1024.0, 1), (1024.0, 2), (2048.0, 0), (2048.0, 1) };
        foreach (var (scale, tracker) in expected)
        {
            float[] before = Weights(model);
            optimizer.zero_grad();
            using (var scaled = scaler.ScaleLoss(Loss(model))) scaled.backward();
            Assert.Equal(scaler.Scale, model.parameters().First().grad!.data<float>()[0]);  // d(sum)/dw = 1, scaled
            Assert.True(scaler.Step(optimizer, () => optimizer.step()));
            Assert.Equal(before[0] - 0.1f, Weights(model)[0], 6);                           // the step saw grad 1
            scaler.Update();
            Assert.Equal(scale, scaler.Scale);
            Assert.Equal(tracker, scaler.GrowthTracker);
        }
    }

    // GradScaler: an inf (or NaN) gradient skips the step, halves the scale and resets the tracker.
    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void GradScaler_NonFiniteGrad_SkipsStepAndBacksOff(float bad)
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make();
        var scaler = new GradScaler(initScale: 1024, growthInterval: 3);
        for (int i = 0; i < 2; i++)
        {
            optimizer.zero_grad();
            using (var scaled = scaler.ScaleLoss(Loss(model))) scaled.backward();
            scaler.Step(optimizer, () => optimizer.step());
            scaler.Update();
        }
        Assert.Equal(2, scaler.GrowthTracker);

        float[] before = Weights(model);
        optimizer.zero_grad();
        using (var scaled = scaler.ScaleLoss(Loss(model))) scaled.backward();
        model.parameters().First().grad![0, 1] = torch.tensor(bad);
        Assert.False(scaler.Step(optimizer, () => optimizer.step()));
        Assert.Equal(before, Weights(model));
        scaler.Update();
        Assert.Equal(512.0, scaler.Scale);
        Assert.Equal(0, scaler.GrowthTracker);
    }

    // GradScaler: unscale_ twice, or a second step before update, are errors as in PyTorch; update needs an inf check.
    [Fact]
    public void GradScaler_StagesAreCheckedAsPyTorch()
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make();
        var scaler = new GradScaler();
        Assert.Contains("No inf checks", Assert.Throws<InvalidOperationException>(() => scaler.Update()).Message);
        using (var scaled = scaler.ScaleLoss(Loss(model))) scaled.backward();
        scaler.Unscale(optimizer);
        Assert.Contains("already been called", Assert.Throws<InvalidOperationException>(() => scaler.Unscale(optimizer)).Message);
        scaler.Step(optimizer, () => optimizer.step());
        Assert.Contains("step() has already been called", Assert.Throws<InvalidOperationException>(() => scaler.Step(optimizer, () => { })).Message);
        scaler.Update();
        Assert.Equal(65536.0, scaler.Scale);
        Assert.Throws<KilnException>(() => new GradScaler(growthFactor: 1.0));
        Assert.Throws<KilnException>(() => new GradScaler(backoffFactor: 1.0));
    }

    // OPT-03 (L3858): the scaler's state dict has PyTorch's keys and values, and loading it restores the scaler.
    [Fact]
    public void GradScaler_StateDict_RoundTrip()
    {
        var fresh = new GradScaler().StateDict();
        Assert.Equal(["scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"], fresh.Keys.Cast<string>());
        Assert.Equal(65536.0, fresh["scale"]);
        Assert.Equal(2.0, fresh["growth_factor"]);
        Assert.Equal(0.5, fresh["backoff_factor"]);
        Assert.Equal(2000L, fresh["growth_interval"]);
        Assert.Equal(0L, fresh["_growth_tracker"]);

        var state = new PyDict { ["scale"] = 256.0, ["growth_factor"] = 4.0, ["backoff_factor"] = 0.25, ["growth_interval"] = 10L, ["_growth_tracker"] = 7L };
        var loaded = new GradScaler();
        loaded.LoadStateDict(state, "test");
        Assert.Equal(state.ToList(), loaded.StateDict().ToList());
        Assert.Contains("empty", Assert.Throws<KilnException>(() => new GradScaler().LoadStateDict(new PyDict(), "test")).Message);
        Assert.Empty(new GradScaler(enabled: false).StateDict());
    }

    // OPT-03: the wrapper with an enabled scaler: scaled backward, unscaled clip, skipped step on inf, scale backoff;
    // its state dict carries 'loss_scaler' and loading restores it.
    [Fact]
    public void AmpOptimWrapper_ScalesClipsSkipsAndSavesScaler()
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make(lr: 0.1);
        var wrapper = new AmpOptimWrapper(optimizer, clipGrad: new ConfigDict { ["max_norm"] = 100.0 })
        {
            LossScaler = new GradScaler(initScale: 8, growthInterval: 2),
        };
        float[] w0 = Weights(model);
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0[0] - 0.1f, Weights(model)[0], 6);
        Assert.Equal(Math.Sqrt(2), wrapper.LastGradNorm, 5);   // the norm of the unscaled gradient [1, 1]
        Assert.Equal(1, wrapper.LossScaler.GrowthTracker);

        float[] w1 = Weights(model);
        wrapper.Backward(Loss(model) * float.PositiveInfinity);
        wrapper.Step();
        wrapper.ZeroGrad();
        Assert.Equal(w1, Weights(model));
        Assert.Equal(4.0, wrapper.LossScaler.Scale);

        var sd = wrapper.StateDict();
        var scaler = Assert.IsType<PyDict>(sd["loss_scaler"]);
        Assert.Equal(4.0, scaler["scale"]);
        var (_, otherOptimizer) = Make(lr: 0.5);
        var other = new AmpOptimWrapper(otherOptimizer) { LossScaler = new GradScaler() };
        other.LoadStateDict(sd, "test");
        Assert.Equal(4.0, other.LossScaler.Scale);
        Assert.Equal(2, other.LossScaler.GrowthInterval);
        Assert.Equal([0.1], other.GetLr()["lr"]);
        CheckpointValue.DisposeTensors(sd);
    }

    // MMEngine's scaler is torch.cuda.amp.GradScaler: without CUDA it is disabled, and the state dict's loss_scaler is {}.
    [Fact]
    public void AmpOptimWrapper_WithoutCuda_ScalerDisabledAsTorchCudaGradScaler()
    {
        using var scope = torch.NewDisposeScope();
        var (model, optimizer) = Make(lr: 0.1);
        var wrapper = new AmpOptimWrapper(optimizer);
        Assert.Equal(torch.cuda.is_available(), wrapper.LossScaler.Enabled);
        if (wrapper.LossScaler.Enabled) return;   // a CUDA machine: the scaler tests above cover the enabled path
        float[] w0 = Weights(model);
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0[0] - 0.1f, Weights(model)[0], 6);
        var sd = wrapper.StateDict();
        Assert.Empty(Assert.IsType<PyDict>(sd["loss_scaler"]));
        CheckpointValue.DisposeTensors(sd);
    }

    [Theory]
    [InlineData("static", "loss_scale must be of type float, dict, or \"dynamic\"")]
    [InlineData("dtype", "dtype should be any of 'float16', 'bfloat16', 'float32', 'float64'")]
    [InlineData("dict", "does not take 'init'")]
    [InlineData("fsdp", "use_fsdp")]
    public void Ctor_BadArguments_AreClearErrors(string which, string message)
    {
        var (_, optimizer) = Make();
        var e = Assert.Throws<KilnException>(() => which switch
        {
            "static" => new AmpOptimWrapper(optimizer, lossScale: "static"),
            "dtype" => new AmpOptimWrapper(optimizer, dtype: "half"),
            "dict" => new AmpOptimWrapper(optimizer, lossScale: new ConfigDict { ["init"] = 2.0 }),
            _ => new AmpOptimWrapper(optimizer, useFsdp: true),
        });
        Assert.Contains(message, e.Message);
    }

    // OPT-03 (AE-RUN-05): built from the OPTIM_WRAPPERS registry with MMEngine's keys.
    [Fact]
    public void Registry_BuildsAmpOptimWrapperFromMMEngineKeys()
    {
        using var services = new ServiceCollection().AddLogging().AddKiln(o => o.LoadPluginFolders = false).BuildServiceProvider();
        var builder = services.GetRequiredService<IComponentBuilder>();
        var (_, optimizer) = Make();
        var args = new Dictionary<string, object?> { ["optimizer"] = optimizer };
        var wrapper = builder.Build<AmpOptimWrapper>(Registries.OptimWrappers, new ConfigDict
        {
            ["type"] = "AmpOptimWrapper", ["dtype"] = "bfloat16", ["accumulative_counts"] = 2L,
            ["loss_scale"] = new ConfigDict { ["init_scale"] = 512.0, ["growth_interval"] = 100L },
        }, args, "optim_wrapper");
        Assert.Equal(ScalarType.BFloat16, wrapper.CastDtype);
        Assert.Equal(2, wrapper.AccumulativeCounts);
        Assert.Equal(100, wrapper.LossScaler.GrowthInterval);

        var dynamic = builder.Build<AmpOptimWrapper>(Registries.OptimWrappers,
            new ConfigDict { ["type"] = "AmpOptimWrapper", ["loss_scale"] = "dynamic" }, args, "optim_wrapper");
        Assert.Null(dynamic.CastDtype);
        Assert.Equal(2000, dynamic.LossScaler.GrowthInterval);
    }
}

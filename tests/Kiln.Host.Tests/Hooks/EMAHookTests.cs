using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Hooks;
using Kiln.Models;
using Kiln.TestKit.Toy;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Hooks;

/// <summary>
/// HOOK-11: MMEngine's averaged models (test_averaged_model.py) with hand-computed averages, and EMAHook in a run
/// (test_ema_hook.py): validation with the averaged weights, swapped back after, <c>ema_state_dict</c> in checkpoints.
/// </summary>
public sealed class EMAHookTests : ToyRunnerTest
{
    private static TorchSharp.Modules.Linear Linear(float w0, float w1, float b)
    {
        var model = nn.Linear(2, 1);
        SetWeights(model, w0, w1, b);
        return model;
    }

    private static void SetWeights(TorchSharp.Modules.Linear model, float w0, float w1, float b)
    {
        using var noGrad = no_grad();
        model.weight!.copy_(tensor(new[] { w0, w1 }).reshape(1, 2));
        model.bias!.copy_(tensor(new[] { b }));
    }

    private static float[] Values(BaseAveragedModel ema, string name) => ema[name].cpu().data<float>().ToArray();

    [Fact]
    public void ExponentialMovingAverage_FirstUpdateCopies_ThenMomentumWeighsTheNewValue()
    {
        using var model = Linear(1, 2, 3);
        using var ema = new ExponentialMovingAverage(model, momentum: 0.1);
        ema.UpdateParameters(model);
        Assert.Equal([1f, 2f], Values(ema, "weight"));
        SetWeights(model, 11, 12, 13);
        ema.UpdateParameters(model);
        // 0.9 * 1 + 0.1 * 11 = 2; 0.9 * 2 + 0.1 * 12 = 3; 0.9 * 3 + 0.1 * 13 = 4
        Assert.Equal(new[] { 2f, 3f }, Values(ema, "weight"), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(4f, Values(ema, "bias")[0], 5);
        Assert.Equal(2, ema.Steps);
    }

    [Fact]
    public void ExponentialMovingAverage_Interval_SkipsSteps()
    {
        using var model = Linear(0, 0, 0);
        using var ema = new ExponentialMovingAverage(model, momentum: 0.5, interval: 2);
        ema.UpdateParameters(model);            // step 0: copy 0
        SetWeights(model, 4, 4, 4);
        ema.UpdateParameters(model);            // step 1: skipped
        Assert.Equal(0f, Values(ema, "bias")[0]);
        ema.UpdateParameters(model);            // step 2: 0.5 * 0 + 0.5 * 4
        Assert.Equal(2f, Values(ema, "bias")[0], 5);
    }

    [Fact]
    public void ExponentialMovingAverage_MomentumOutOfRange_IsError()
    {
        using var model = Linear(0, 0, 0);
        Assert.Contains("(0.0, 1.0)", Assert.Throws<KilnException>(() => new ExponentialMovingAverage(model, momentum: 3)).Message);
        Assert.Contains("(0.0, 1.0)", Assert.Throws<KilnException>(() => new ExponentialMovingAverage(model, momentum: 0)).Message);
    }

    [Fact]
    public void MomentumAnnealingEMA_UsesGammaOverGammaPlusSteps()
    {
        using var model = Linear(0, 0, 0);
        using var ema = new MomentumAnnealingEMA(model, momentum: 0.0002, gamma: 10);
        ema.UpdateParameters(model);            // copy 0
        SetWeights(model, 11, 11, 11);
        ema.UpdateParameters(model);            // momentum max(0.0002, 10/11): 11 * 10/11 = 10
        Assert.Equal(10f, Values(ema, "bias")[0], 4);
        SetWeights(model, 22, 22, 22);
        ema.UpdateParameters(model);            // momentum 10/12: 10 * 2/12 + 22 * 10/12 = 20
        Assert.Equal(20f, Values(ema, "bias")[0], 4);
        Assert.Throws<KilnException>(() => new MomentumAnnealingEMA(model, gamma: 0));
    }

    [Fact]
    public void StochasticWeightAverage_IsTheRunningMean()
    {
        using var model = Linear(3, 0, 0);
        using var swa = new StochasticWeightAverage(model);
        swa.UpdateParameters(model);
        SetWeights(model, 6, 0, 0);
        swa.UpdateParameters(model);
        SetWeights(model, 12, 0, 0);
        swa.UpdateParameters(model);
        Assert.Equal(7f, Values(swa, "weight")[0], 5); // (3 + 6 + 12) / 3
    }

    [Fact]
    public void UpdateBuffers_AveragesBatchNormStatistics_OnlyWhenAsked()
    {
        using var bn = nn.BatchNorm1d(2);
        using var with = new ExponentialMovingAverage(bn, momentum: 0.5, updateBuffers: true);
        using var without = new ExponentialMovingAverage(bn, momentum: 0.5);
        with.UpdateParameters(bn);
        without.UpdateParameters(bn);
        using (no_grad()) bn.running_mean!.copy_(tensor(new[] { 4f, 8f }));
        with.UpdateParameters(bn);
        without.UpdateParameters(bn);
        Assert.Equal([2f, 4f], Values(with, "running_mean"));
        Assert.Equal([0f, 0f], Values(without, "running_mean"));
    }

    [Fact]
    public void StateDict_MMEngineLayout_StepsThenModuleKeys_RoundTrips()
    {
        using var model = Linear(1, 2, 3);
        using var ema = new ExponentialMovingAverage(model, momentum: 0.1);
        ema.UpdateParameters(model);
        using var scope = NewDisposeScope();
        var state = ema.StateDict();
        Assert.Equal(["steps", "module.weight", "module.bias"], state.Keys.Cast<string>());
        Assert.Equal(1L, ((Tensor)state["steps"]!).item<long>());

        using var other = Linear(0, 0, 0);
        using var loaded = new ExponentialMovingAverage(other, momentum: 0.1);
        loaded.LoadStateDict(state, strict: true, "test");
        Assert.Equal(1, loaded.Steps);
        Assert.Equal([1f, 2f], Values(loaded, "weight"));
        state["extra"] = tensor(1f);
        Assert.Contains("strict_load", Assert.Throws<KilnException>(() => loaded.LoadStateDict(state, strict: true, "test")).Message);
    }

    [Fact]
    public void EMAHook_BothBeginsSet_IsError() =>
        Assert.Contains("should not be both set", Assert.Throws<KilnException>(() => new EMAHook(beginIter: 1, beginEpoch: 1)).Message);

    /// <summary>Records the model's weights at the stages around the EMA swap (runs after EMAHook: priority LOWEST).</summary>
    private sealed class WeightProbe : Hook
    {
        public List<float[]> IterWeights { get; } = [];
        public List<float[]> ValWeights { get; } = [];
        public List<float[]> PostValWeights { get; } = [];

        public override int Priority => HookPriority.Lowest;

        private static float[] Weights(IRunnerContext runner)
        {
            using var scope = NewDisposeScope();
            return runner.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
        }

        public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args) => IterWeights.Add(Weights(runner));

        public override void BeforeValEpoch(IRunnerContext runner) => ValWeights.Add(Weights(runner));

        public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args) => PostValWeights.Add(Weights(runner));
    }

    private ConfigDict EmaConfig(string emaType = "ExponentialMovingAverage", double? momentum = 0.5)
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        var hook = new ConfigDict { ["type"] = "EMAHook", ["ema_type"] = emaType };
        if (momentum is { } m) hook["momentum"] = m;
        cfg["custom_hooks"] = new List<object?> { hook };
        return cfg;
    }

    [Fact]
    public void EMAHook_ValidatesWithTheAverage_SwapsBack_AndSavesBoth()
    {
        using var runner = Toy.Create(EmaConfig());
        var probe = new WeightProbe();
        runner.HookList.Add(probe);
        runner.Train();

        // hand-computed EMA over the raw weights after each iteration: e0 = w0, e_k = 0.5 e_{k-1} + 0.5 w_k
        var expected = new List<float[]>();
        float[] e = probe.IterWeights[0];
        expected.Add(e);
        foreach (var w in probe.IterWeights.Skip(1))
        {
            e = e.Zip(w, (a, b) => 0.5f * a + 0.5f * b).ToArray();
            expected.Add(e);
        }
        Assert.Equal(8, probe.IterWeights.Count);
        Assert.Equal(2, probe.ValWeights.Count);
        Assert.Equal(expected[3], probe.ValWeights[0], new FloatsClose());
        Assert.Equal(expected[7], probe.ValWeights[1], new FloatsClose());
        Assert.Equal(probe.IterWeights[3], probe.PostValWeights[0], new FloatsClose());
        Assert.Equal(probe.IterWeights[7], probe.PostValWeights[1], new FloatsClose());

        // epoch_2.pth: state_dict holds the average, ema_state_dict the raw weights under module.<name>
        var ckpt = (PyDict)CheckpointFile.Load(Tmp.Combine("epoch_2.pth"))!;
        var stateDict = (PyDict)ckpt["state_dict"]!;
        var emaState = (PyDict)ckpt["ema_state_dict"]!;
        using var scope = NewDisposeScope();
        float[] Flat(PyDict d, string prefix) => runner.Model.named_parameters().SelectMany(p => ((Tensor)d[prefix + p.name]!).data<float>().ToArray()).ToArray();
        Assert.Equal(expected[7], Flat(stateDict, ""), new FloatsClose());
        Assert.Equal(probe.IterWeights[7], Flat(emaState, "module."), new FloatsClose());
        Assert.Equal(8L, ((Tensor)emaState["steps"]!).item<long>());
    }

    [Fact]
    public void EMAHook_Resume_ModelGetsRawWeights_AverageGetsTheEma()
    {
        using (var first = Toy.Create(EmaConfig())) first.Train();
        var ckpt = (PyDict)CheckpointFile.Load(Tmp.Combine("epoch_2.pth"))!;

        var cfg = EmaConfig();
        cfg["resume"] = true;
        ((ConfigDict)cfg["train_cfg"]!)["max_epochs"] = 2L;
        using var runner = Toy.Create(cfg);
        runner.Train(); // resumes at epoch 2 of 2: nothing left to train
        var hook = runner.HookList.Hooks.OfType<EMAHook>().Single();
        using var scope = NewDisposeScope();
        foreach (var (name, p) in runner.Model.named_parameters())
        {
            Assert.Equal(((Tensor)((PyDict)ckpt["ema_state_dict"]!)["module." + name]!).data<float>().ToArray(), p.detach().cpu().data<float>().ToArray());
            Assert.Equal(((Tensor)((PyDict)ckpt["state_dict"]!)[name]!).data<float>().ToArray(), hook.EmaModel![name].cpu().data<float>().ToArray());
        }
        Assert.Equal(8, hook.EmaModel!.Steps);
    }

    [Fact]
    public void EMAHook_EmaTypeFromModelsRegistry_UnknownTypeNamed()
    {
        var swa = EmaConfig("StochasticWeightAverage", momentum: null);
        ((ConfigDict)((List<object?>)swa["custom_hooks"]!)[0]!)["momentum"] = 0.1;
        using (var wrongKey = Toy.Create(swa))
            Assert.Contains("StochasticWeightAverage does not take 'momentum'", Assert.ThrowsAny<KilnException>(() => wrongKey.Train()).Message);
        using (var runner = Toy.Create(EmaConfig("StochasticWeightAverage", momentum: null)))
        {
            runner.Train();
            Assert.IsType<StochasticWeightAverage>(runner.HookList.Hooks.OfType<EMAHook>().Single().EmaModel);
        }
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Combine("b"));
        cfg["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "EMAHook", ["ema_type"] = "NoSuchEMA" } };
        using var bad = Toy.Create(cfg);
        var e = Assert.ThrowsAny<KilnException>(() => bad.Train());
        Assert.Contains("NoSuchEMA", e.Message);
    }

    [Fact]
    public void EMAHook_BeginIter_FollowsTheModelUntilThen()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "EMAHook", ["momentum"] = 0.5, ["begin_iter"] = 100L } };
        var ex = Assert.ThrowsAny<KilnException>(() => { using var r = Toy.Create(cfg); r.Train(); });
        Assert.Contains("begin_iter should be smaller than runner.max_iters: 8", ex.Message);

        ((ConfigDict)((List<object?>)cfg["custom_hooks"]!)[0]!)["begin_iter"] = 4L;
        using var runner = Toy.Create(cfg);
        var probe = new WeightProbe();
        runner.HookList.Add(probe);
        runner.Train();
        // iterations 1-3 only copy (iter + 1 < 4); iteration 4 is the first update, which copies too (steps 0);
        // iterations 5-8 average: e = 0.5 e + 0.5 w
        Assert.Equal(probe.IterWeights[3], probe.ValWeights[0], new FloatsClose());
        float[] e = probe.IterWeights[3];
        foreach (var w in probe.IterWeights.Skip(4)) e = e.Zip(w, (a, b) => 0.5f * a + 0.5f * b).ToArray();
        Assert.Equal(e, probe.ValWeights[1], new FloatsClose());
        Assert.NotEqual(probe.IterWeights[7], probe.ValWeights[1], new FloatsClose());
    }

    private sealed class FloatsClose : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x!.Length == y!.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) < 1e-5);
        public int GetHashCode(float[] obj) => 0;
    }
}

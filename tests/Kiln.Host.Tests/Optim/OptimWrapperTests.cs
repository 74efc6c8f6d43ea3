using Kiln.Optim;
using TorchSharp;

namespace Kiln.Tests.Optim;

/// <summary>Gradient accumulation as MMEngine's test_optimizer_wrapper.py (OPT-02) and get_lr/get_momentum (OPT-05).</summary>
public class OptimWrapperTests
{
    private static (torch.nn.Module Model, OptimWrapper Wrapper) Make(int acc, double lr = 0.1, double momentum = 0.8)
    {
        torch.manual_seed(0);
        var model = torch.nn.Linear(2, 1);
        return (model, new OptimWrapper(torch.optim.SGD(model.parameters(), lr, momentum: momentum), accumulativeCounts: acc));
    }

    private static float Weight(torch.nn.Module model) => model.parameters().First().data<float>()[0];

    /// <summary>A loss whose gradient on the first weight is exactly 1 per unit of loss scale.</summary>
    private static torch.Tensor Loss(torch.nn.Module model) => model.parameters().First().sum();

    [Fact]
    public void UpdateParams_AccumulateThree_StepsOnlyOnThirdCall()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrapper) = Make(acc: 3, momentum: 0);
        float w0 = Weight(model);
        wrapper.UpdateParams(Loss(model));
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0, Weight(model));
        Assert.Equal(2, wrapper.InnerCount);
        Assert.Equal(2f / 3, model.parameters().First().grad!.data<float>()[0], 5);   // each loss scaled by 1/3
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0 - 0.1f, Weight(model), 5);                                     // lr × (3 × 1/3)
    }

    [Fact]
    public void UpdateParams_LastIncompleteWindow_ScalesByRemainderAndSteps()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrapper) = Make(acc: 3, momentum: 0);
        wrapper.InitializeCountStatus(99, 100);     // 100 % 3 = 1 iteration left in the last window
        float w0 = Weight(model);
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0 - 0.1f, Weight(model), 5);  // loss × 1, and a step at max_counts
    }

    [Fact]
    public void UpdateParams_ResumedMidWindow_WaitsForWindow()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrapper) = Make(acc: 3, momentum: 0);
        wrapper.InitializeCountStatus(96, 100);
        float w0 = Weight(model);
        wrapper.UpdateParams(Loss(model));
        wrapper.UpdateParams(Loss(model));
        Assert.Equal(w0, Weight(model));
        wrapper.UpdateParams(Loss(model));          // inner count 99: 99 % 3 == 0
        Assert.NotEqual(w0, Weight(model));
    }

    [Fact]
    public void GetLrAndMomentum_OneGroup_MatchMMEngine()
    {
        var (_, wrapper) = Make(acc: 1);
        Assert.Equal(new Dictionary<string, IReadOnlyList<double>> { ["lr"] = [0.1] }, wrapper.GetLr());
        Assert.Equal([0.8], wrapper.GetMomentum()["momentum"]);
    }

    [Fact]
    public void Ctor_BadAccumulation_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => Make(acc: 0));
        Assert.Contains("accumulative_counts", e.Message);
    }

    // MMEngine test_optimizer_wrapper.py: initialize_count_status(model, 0, 100) → _remainder_counts == 1.
    [Fact]
    public void InitializeCountStatus_RemainderAndShouldSync_MatchMMEngine()
    {
        var (_, wrapper) = Make(acc: 3);
        Assert.Equal(-1, wrapper.RemainderCounts);
        wrapper.InitializeCountStatus(0, 100);
        Assert.Equal(1, wrapper.RemainderCounts);
        Assert.False(wrapper.ShouldSync());       // (0 + 1) % 3 != 0
        wrapper.InitializeCountStatus(98, 100);
        Assert.True(wrapper.ShouldSync());        // 99 % 3 == 0
        wrapper.InitializeCountStatus(99, 100);
        Assert.True(wrapper.ShouldSync());        // 100 == max_counts
    }

    // OPT-06: clip_grad=dict(max_norm=...) clips by total 2-norm and logs the norm before clipping as train/grad_norm.
    [Fact]
    public void Step_ClipGradNorm_ClipsAndLogsGradNorm()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var model = torch.nn.Linear(2, 1);
        var hub = new Kiln.Logging.MessageHub();
        var wrapper = new OptimWrapper(torch.optim.SGD(model.parameters(), 0.1), clipGrad: new Kiln.Config.ConfigDict { ["max_norm"] = 1L })
        {
            MessageHub = hub,
        };
        using (var x = torch.tensor(new float[] { 3, 4 }).reshape(1, 2))
        {
            // d/dw = x = (3, 4), d/db = 1: total norm sqrt(9 + 16 + 1).
            wrapper.Backward(((torch.nn.Module<torch.Tensor, torch.Tensor>)model).forward(x).sum());
        }
        wrapper.Step();

        var expected = Math.Sqrt(26);
        Assert.Equal(expected, hub.GetScalar("train/grad_norm").Current, 5);
        Assert.Equal(expected, wrapper.LastGradNorm, 5);
        var grads = model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        Assert.Equal(1.0, Math.Sqrt(grads.Sum(g => (double)g * g)), 4);
    }

    // OPT-06: clip_grad=dict(type='value', clip_value=...) clamps each gradient and logs nothing.
    [Fact]
    public void Step_ClipGradValue_ClampsWithoutLogging()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var model = torch.nn.Linear(2, 1);
        var hub = new Kiln.Logging.MessageHub();
        var wrapper = new OptimWrapper(torch.optim.SGD(model.parameters(), 0.1),
            clipGrad: new Kiln.Config.ConfigDict { ["type"] = "value", ["clip_value"] = 0.5 }) { MessageHub = hub };
        using (var x = torch.tensor(new float[] { 3, -4 }).reshape(1, 2))
        {
            wrapper.Backward(((torch.nn.Module<torch.Tensor, torch.Tensor>)model).forward(x).sum());
        }
        wrapper.Step();

        Assert.Equal([0.5f, -0.5f], model.parameters().First().grad!.data<float>().ToArray());
        Assert.False(hub.TryGetScalar("train/grad_norm", out _));
    }

    [Theory]
    [InlineData("type='norm'", "clip function's arguments")]
    [InlineData("type='bad', max_norm=1", "should be \"norm\" or \"value\"")]
    [InlineData("norm_type=2", "needs 'max_norm'")]
    [InlineData("max_norm=1, clip_value=2", "does not take 'clip_value'")]
    public void Ctor_BadClipGrad_IsClearError(string args, string message)
    {
        var cfg = Kiln.Config.Config.FromString($"c = dict({args})", ".py").Dict["c"] as Kiln.Config.ConfigDict;
        var e = Assert.Throws<KilnException>(() => new OptimWrapper(torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), 0.1), clipGrad: cfg));
        Assert.Contains(message, e.Message);
    }

    // OPT-07: momentum is SGD/RMSprop momentum, betas[0] for the Adam family, 0 otherwise (test_optimizer_wrapper.py: Adam → 0.9).
    [Fact]
    public void GetMomentum_PerOptimizerFamily()
    {
        using var scope = torch.NewDisposeScope();
        var ps = torch.nn.Linear(1, 1).parameters().ToList();
        Assert.Equal([0.9], new OptimWrapper(torch.optim.Adam(ps)).GetMomentum()["momentum"]);
        Assert.Equal([0.5], new OptimWrapper(torch.optim.NAdam(ps, beta1: 0.5)).GetMomentum()["momentum"]);
        Assert.Equal([0.3], new OptimWrapper(torch.optim.RMSProp(ps, momentum: 0.3)).GetMomentum()["momentum"]);
        Assert.Equal([0.0], new OptimWrapper(torch.optim.Adagrad(ps)).GetMomentum()["momentum"]);
    }

    // OPT-08: the wrapper's state dict is the optimizer's; loading it restores lr and momentum buffers.
    [Fact]
    public void StateDict_RoundTrip_RestoresOptimizer()
    {
        using var scope = torch.NewDisposeScope();
        var (model, wrapper) = Make(acc: 1, lr: 0.1, momentum: 0.9);
        wrapper.UpdateParams(Loss(model));
        var sd = wrapper.StateDict();
        var (_, other) = Make(acc: 1, lr: 0.7, momentum: 0.9);
        other.LoadStateDict(sd, "test");
        Assert.Equal([0.1], other.GetLr()["lr"]);
        var saved = (Kiln.Checkpoints.PyDict)((Kiln.Checkpoints.PyDict)other.StateDict()["state"]!)[0L]!;
        Assert.True(saved.ContainsKey("momentum_buffer"));
        Kiln.Checkpoints.CheckpointValue.DisposeTensors(sd);
    }

    // OPT-16: the plain wrapper's context is harmless to enter and leave.
    [Fact]
    public void OptimContext_PlainWrapper_EntersAndLeaves()
    {
        var (model, wrapper) = Make(acc: 1);
        using (wrapper.OptimContext(model))
        {
            Assert.True(torch.is_grad_enabled());
        }
    }

    // OPT-09: OptimWrapperDict has no update of its own, as MMEngine's raises NotImplementedError.
    [Fact]
    public void OptimWrapperDict_UpdateParams_IsErrorNamingPerWrapperCall()
    {
        using var scope = torch.NewDisposeScope();
        var (model, a) = Make(acc: 1);
        var (_, b) = Make(acc: 1, lr: 0.2);
        var dict = new OptimWrapperDict([new("gen", a), new("disc", b)]);
        var e = Assert.Throws<KilnException>(() => dict.UpdateParams(Loss(model)));
        Assert.Contains("should be called by each optimizer wrapper separately", e.Message);
        Assert.Equal(new Dictionary<string, IReadOnlyList<double>> { ["gen.lr"] = [0.1], ["disc.lr"] = [0.2] }, dict.GetLr());

        a.UpdateParams(Loss(model));
        var sd = dict.StateDict();
        Assert.Equal(["gen", "disc"], sd.Keys);
        var (_, c) = Make(acc: 1, lr: 0.5);
        var e2 = Assert.Throws<KilnException>(() => new OptimWrapperDict([new("generator", c)]).LoadStateDict(sd, "ckpt.pth"));
        Assert.Contains("'gen'", e2.Message);
        Kiln.Checkpoints.CheckpointValue.DisposeTensors(sd);
    }
}

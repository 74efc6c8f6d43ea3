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
}

using Kiln.Config;
using Kiln.Distributed;
using Kiln.Hooks;
using Kiln.Models;
using Kiln.Structures;
using Kiln.TestKit.Toy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Tests.Hooks;

/// <summary>HOOK-12 EmptyCacheHook (flags per stage; without CUDA nothing to release) and HOOK-13 SyncBuffersHook.</summary>
public sealed class CacheAndBufferHookTests : ToyRunnerTest
{
    [Theory]
    [InlineData(false, true, false, 4)]      // default: after every train and val epoch (2 + 2)
    [InlineData(true, true, false, 8)]       // + before every epoch
    [InlineData(false, false, true, 16)]     // after every train (8) and val (2 x 4) iteration
    public void EmptyCacheHook_CalledAtTheStagesAsked(bool beforeEpoch, bool afterEpoch, bool afterIter, int calls)
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["custom_hooks"] = new List<object?>
        {
            new ConfigDict { ["type"] = "EmptyCacheHook", ["before_epoch"] = beforeEpoch, ["after_epoch"] = afterEpoch, ["after_iter"] = afterIter },
        };
        using var runner = Toy.Create(cfg);
        runner.Train();
        var hook = runner.HookList.Hooks.OfType<EmptyCacheHook>().Single();
        Assert.Equal(calls, hook.Calls);
        Assert.Equal(HookPriority.Normal, hook.Priority);
        if (!cuda.is_available())
            Assert.DoesNotContain("CUDA cache is not emptied", File.ReadAllText(Directory.GetFiles(Tmp.Path, "*.log", SearchOption.AllDirectories).Single()));
    }

    /// <summary>A model with BatchNorm buffers.</summary>
    private sealed class BufferModel : BaseModel
    {
        private readonly BatchNorm1d bn = nn.BatchNorm1d(2);

        public BufferModel() : base(nameof(BufferModel), null) => RegisterComponents();

        public Tensor RunningMean => bn.running_mean!;

        public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode) => ModelOutput.FromTensor(bn.forward(inputs));
    }

    /// <summary>Rank 0 of two, where the other rank's tensors are all 10: a mean all-reduce gives (x + 10) / 2.</summary>
    private sealed class TwoRanks : IProcessGroup
    {
        public int Reductions { get; private set; }
        public int Rank => 0;
        public int WorldSize => 2;
        public int LocalRank => 0;
        public int LocalWorldSize => 2;
        public void Barrier() { }

        public void AllReduce(Tensor tensor, string op = "sum")
        {
            Reductions++;
            using var noGrad = no_grad();
            if (op == "mean") tensor.copy_((tensor + 10) / 2);
            else tensor.add_(10);
        }

        public void Broadcast(Tensor tensor, int src = 0) { }
        public IReadOnlyList<Tensor> AllGather(Tensor tensor) => [tensor, tensor];
        public IReadOnlyList<byte[]> AllGatherBytes(byte[] data) => [data, data];
    }

    [Fact]
    public void SyncBuffersHook_Distributed_AveragesBuffersAfterTrainEpoch_NotAgainBeforeVal()
    {
        using var model = new BufferModel();
        var runner = new FakeHookRunner(Tmp.Path) { TestModel = model };
        var group = new TwoRanks();
        var hook = new SyncBuffersHook();
        using (Dist.Use(group))
        {
            using (no_grad()) model.RunningMean.copy_(tensor(new[] { 2f, 4f }));
            hook.AfterTrainEpoch(runner);
            Assert.Equal([6f, 7f], model.RunningMean.data<float>().ToArray());
            int afterTrain = group.Reductions;       // running_mean, running_var, num_batches_tracked
            Assert.Equal(3, afterTrain);
            hook.BeforeValEpoch(runner);             // just synced in train: skipped
            Assert.Equal(afterTrain, group.Reductions);
            hook.BeforeValEpoch(runner);             // a val without train before it: synced
            Assert.Equal(2 * afterTrain, group.Reductions);
            Assert.Equal([8f, 8.5f], model.RunningMean.data<float>().ToArray());
        }
    }

    [Fact]
    public void SyncBuffersHook_SingleProcess_DoesNothing()
    {
        using var model = new BufferModel();
        var runner = new FakeHookRunner(Tmp.Path) { TestModel = model };
        using (no_grad()) model.RunningMean.copy_(tensor(new[] { 2f, 4f }));
        var hook = new SyncBuffersHook();
        hook.AfterTrainEpoch(runner);
        hook.BeforeValEpoch(runner);
        Assert.Equal([2f, 4f], model.RunningMean.data<float>().ToArray());
    }
}

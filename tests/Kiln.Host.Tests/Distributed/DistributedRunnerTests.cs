using Kiln.Config;
using Kiln.Distributed;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Distributed;

/// <summary>
/// Two identical ranks played in one process: every other rank holds what this one holds, so a sum is twice the
/// value and a broadcast changes nothing. Records every all-reduce (op, elements).
/// </summary>
internal sealed class MirrorGroup(int rank, int worldSize = 2) : IProcessGroup
{
    public List<(string Op, long Elements)> Reduces { get; } = [];
    public int Broadcasts { get; private set; }
    public int Rank => rank;
    public int WorldSize => worldSize;
    public int LocalRank => rank;
    public int LocalWorldSize => worldSize;
    public void Barrier() { }
    public void AllReduce(torch.Tensor tensor, string op = "sum")
    {
        Reduces.Add((op, tensor.numel()));
        if (op == "sum") tensor.mul_(worldSize);
    }
    public void Broadcast(torch.Tensor tensor, int src = 0) => Broadcasts++;
    public IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor) => Enumerable.Repeat(tensor, worldSize).ToList();
    public IReadOnlyList<byte[]> AllGatherBytes(byte[] data) => Enumerable.Repeat(data, worldSize).ToList();
}

/// <summary>Issue 14 in one process: launchers (DIST-01, RUN-11), the Runner across ranks (DIST-05, LOG-13, SEED-04, RUN-22) and the DDP wrapper.</summary>
public sealed class DistributedRunnerTests : ToyRunnerTest
{
    /// <summary>The toy config without validation (a mirrored rank 1 cannot receive rank 0's metrics).</summary>
    private ConfigDict TrainOnly()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        foreach (var key in new[] { "val_dataloader", "val_cfg", "val_evaluator" }) cfg[key] = null;
        return cfg;
    }

    [Fact]
    public void Launcher_None_IsTheSingleProcessGroup() // DIST-02: world size 1, rank 0
    {
        var group = Launcher.Init("none");
        Assert.Equal((0, 1, 0, 1), (group.Rank, group.WorldSize, group.LocalRank, group.LocalWorldSize));
        Assert.Null(Dist.Backend);
    }

    [Theory] // RUN-11: each launcher that cannot start says what to do
    [InlineData("mpi", "launcher='mpi'")]
    [InlineData("slurm", "launcher='slurm' is not built")]
    [InlineData("torchrun", "valid: 'none', 'pytorch', 'slurm', 'mpi'")]
    public void Launcher_WithoutMpirun_IsAClearError(string launcher, string expected)
    {
        Assert.Null(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"));
        Assert.Contains(expected, Assert.Throws<KilnException>(() => Launcher.Init(launcher)).Message);
    }

    [Fact]
    public void Launcher_Pytorch_ReportsTorchrunVariablesAndHowToLaunch() // DIST-04
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["launcher"] = "pytorch";
        Environment.SetEnvironmentVariable("RANK", "1");
        Environment.SetEnvironmentVariable("WORLD_SIZE", "2");
        try
        {
            var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
            Assert.Contains("RANK=1, WORLD_SIZE=2", e.Message);
            Assert.Contains("mpirun -np N kiln train CONFIG --launcher mpi", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RANK", null);
            Environment.SetEnvironmentVariable("WORLD_SIZE", null);
        }
    }

    [Fact]
    public void DiffRankSeed_AddsTheRank() // RUN-13, set_random_seed(diff_rank_seed=True)
    {
        var cfg = new ConfigDict { ["seed"] = 5L, ["diff_rank_seed"] = true };
        Assert.Equal(8, RandomnessSettings.From(cfg, rank: 3).Seed);
        Assert.Equal(5, RandomnessSettings.From(new ConfigDict { ["seed"] = 5L }, rank: 3).Seed);
    }

    [Fact]
    public void AutoScaleLr_UsesTheRealWorldSize() // RUN-22: world_size x batch_size / base_batch_size
    {
        using var _ = Dist.Use(new MirrorGroup(0));
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["auto_scale_lr"] = new ConfigDict { ["enable"] = true, ["base_batch_size"] = 16L };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(0.1 * 2 * 3 / 16, runner.OptimWrapper!.GetLr()["lr"][0], 1e-12);
    }

    [Fact]
    public void OtherRanks_WriteNoLogFileCheckpointOrConfig() // LOG-13, CKPT master-only, vis_data master-only
    {
        using var _ = Dist.Use(new MirrorGroup(1));
        using (var runner = Toy.Create(TrainOnly())) runner.Train();
        Assert.Empty(Directory.GetFiles(Tmp.Path));
        var logDir = Assert.Single(Directory.GetDirectories(Tmp.Path));
        Assert.Empty(Directory.GetFiles(logDir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void DebugLevel_WritesOneLogPerRank() // LOG-13: <ts>_<host>_device<local>_rank<r>.log
    {
        using var _ = Dist.Use(new MirrorGroup(1));
        var cfg = TrainOnly();
        cfg["log_level"] = "DEBUG";
        using (var runner = Toy.Create(cfg)) runner.Train();
        var logDir = Assert.Single(Directory.GetDirectories(Tmp.Path));
        var log = Assert.Single(Directory.GetFiles(logDir, "*.log"));
        Assert.Equal($"{Path.GetFileName(logDir)}_{Environment.MachineName}_device1_rank1.log", Path.GetFileName(log));
        Assert.Contains("Epoch(train)", File.ReadAllText(log));
    }

    [Fact]
    public void MpiLauncher_WrapsTheModel_AndAveragesGradientsEveryStep() // DIST-05, MMDistributedDataParallel
    {
        var group = new MirrorGroup(0);
        using var _ = Dist.Use(group);
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["launcher"] = "mpi"; // the installed group is kept
        using var runner = Toy.Create(cfg);
        var ddp = Assert.IsType<MMDistributedDataParallel>(runner.ModelWrapper);
        Assert.False(ddp.BroadcastBuffers); // wrap_model's default wrapper
        Assert.Equal(4, group.Broadcasts - 1); // 4 parameter tensors from rank 0 (+1: the synced timestamp)
        runner.Train();
        // 12 samples over 2 ranks, batch 3: 2 iterations per epoch, 2 epochs; 6 floats of gradients in one bucket each.
        Assert.Equal(4, ddp.SyncCount);
        Assert.Equal(Enumerable.Repeat(("sum", 9L), 4), group.Reduces);
        Assert.True(runner.IsDistributed);
    }

    [Fact]
    public void ModelWrapperCfg_BucketCap_SplitsTheAllReduce() // PyTorch's bucket_cap_mb; one bucket per parameter when tiny
    {
        var group = new MirrorGroup(0);
        using var _ = Dist.Use(group);
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["launcher"] = "mpi";
        cfg["model_wrapper_cfg"] = new ConfigDict { ["bucket_cap_mb"] = 1e-6 };
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 1L, ["val_interval"] = 1L };
        using var runner = Toy.Create(cfg);
        Assert.True(Assert.IsType<MMDistributedDataParallel>(runner.ModelWrapper).BroadcastBuffers); // PyTorch's default
        runner.Train();
        // reverse parameter order: linear2.bias (1), linear2.weight (2), linear1.bias (2), linear1.weight (4)
        Assert.Equal([1L, 2L, 2L, 4L, 1L, 2L, 2L, 4L], group.Reduces.Select(r => r.Elements));
    }

    [Fact]
    public void Wrapper_ParameterWithoutGradient_IsAnErrorUnlessFindUnusedParameters()
    {
        using var _ = Dist.Use(new MirrorGroup(0));
        using var model = new ToyModel();
        var parameters = model.parameters().ToList();
        using (var loss = model.Forward(torch.ones(2, 2), [new(), new()], Models.ForwardMode.Tensor).Raw!.sum()) loss.backward();
        parameters[0].grad = null;
        var strict = new MMDistributedDataParallel(model);
        var e = Assert.Throws<KilnException>(() => strict.SyncGradients(parameters));
        Assert.Contains("parameter 'linear1.weight' got no gradient on rank 0", e.Message);
        Assert.Contains("find_unused_parameters=True", e.Message);

        var lenient = new MMDistributedDataParallel(model, findUnusedParameters: true);
        lenient.SyncGradients(parameters);
        Assert.Null(parameters[0].grad); // no rank used it
        Assert.NotNull(parameters[1].grad);
    }

    [Fact]
    public void NotDistributed_ModelWrapperCfgIsLoggedAndUnused() // MMEngine's wrap_model returns the bare model
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["model_wrapper_cfg"] = new ConfigDict { ["type"] = "MMDistributedDataParallel" };
        using var runner = Toy.Create(cfg);
        Assert.Null(runner.ModelWrapper);
        Assert.False(runner.IsDistributed);
    }
}

using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Randomness;
using Kiln.TestKit.Toy;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>CKPT-02: what a Kiln checkpoint holds, and the verified auto-resume (RUN-08) that reads it back.</summary>
public class CheckpointContentsTests : ToyRunnerTest
{
    private ConfigDict IterCfg(long interval, long maxIters = 12)
    {
        var cfg = ToyRunner.IterBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = false, ["max_iters"] = maxIters, ["val_interval"] = 100L };
        ((ConfigDict)cfg["default_hooks"]!)["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["interval"] = interval, ["by_epoch"] = false };
        return cfg;
    }

    // CKPT-02: MMEngine's keys, plus the random states and the dataloader position exact resume needs.
    [Fact]
    public void Save_IterCheckpoint_HoldsMMEngineKeysRandomStatesAndDataloaderPosition()
    {
        using (var runner = Toy.Create(IterCfg(interval: 5)))
            runner.Train();

        using var scope = NewDisposeScope();
        var ckpt = Assert.IsType<PyDict>(CheckpointFile.Load(Path.Combine(Tmp.Path, "iter_5.pth")));
        Assert.Equal(new object[] { "meta", "state_dict", "message_hub", "optimizer", "rng_state", "dataloader" }, ckpt.Keys);
        var meta = Assert.IsType<PyDict>(ckpt["meta"]);
        Assert.Equal(0L, meta["epoch"]);
        Assert.Equal(5L, meta["iter"]);
        Assert.Equal(0L, meta["seed"]);
        Assert.Equal("test1", meta["experiment_name"]);
        Assert.Contains("ToyModel", Assert.IsType<string>(meta["cfg"]));
        Assert.Matches(@"^\d{8}_\d{6}$", Assert.IsType<string>(meta["time"]));
        Assert.Equal(KilnVersion.Current, meta["kiln_version"]);
        Assert.Equal(__version__, meta["libtorch_version"]);
        Assert.False(string.IsNullOrEmpty(meta["torchsharp_version"] as string));

        // 12 samples in batches of 3: 4 batches per pass; 5 iterations done = pass 1, 1 batch consumed.
        var position = Assert.IsType<PyDict>(ckpt["dataloader"]);
        Assert.Equal(1L, position["pass"]);
        Assert.Equal(1L, position["consumed_batches"]);
        Assert.Equal(4L, position["num_batches"]);
        Assert.Equal(3L, position["batch_size"]);
        Assert.Equal(12L, position["num_samples"]);

        var rng = Assert.IsType<PyDict>(ckpt["rng_state"]);
        Assert.Equal(ScalarType.Byte, Assert.IsType<Tensor>(rng["torch_cpu"]).dtype);
        var kiln = Assert.IsType<PyDict>(rng["kiln_random"]);
        Assert.Equal(56, Assert.IsType<List<object?>>(kiln["seed_array"]).Count);
    }

    // CKPT-02: capturing then restoring both random states repeats the draws made in between.
    [Fact]
    public void RandomStates_CaptureThenRestore_RepeatsTorchAndKilnRandomDraws()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        KilnRandom.SetSeed(11);
        _ = KilnRandom.Current.Next();
        var state = RandomStates.Capture();
        var torchFirst = rand(4).data<float>().ToArray();
        var kilnFirst = Enumerable.Range(0, 5).Select(_ => KilnRandom.Current.Next()).ToArray();

        Assert.Empty(RandomStates.Restore(state, "test"));
        Assert.Equal(torchFirst, rand(4).data<float>().ToArray());
        Assert.Equal(kilnFirst, Enumerable.Range(0, 5).Select(_ => KilnRandom.Current.Next()).ToArray());
    }

    // RUN-08: last_checkpoint names a damaged file; auto-resume falls back to the newest intact one and says so.
    [Fact]
    public void AutoResume_LatestCheckpointDamaged_FallsBackToPreviousIntactWithWarning()
    {
        using (var runner = Toy.Create(IterCfg(interval: 4, maxIters: 8)))
            runner.Train();
        string latest = Path.Combine(Tmp.Path, "iter_8.pth");
        Assert.Equal(latest, Kiln.Runner.FindLatestCheckpoint(Tmp.Path));
        // A torn file: the last third (tensor records and the zip's central directory) is gone.
        var bytes = File.ReadAllBytes(latest);
        File.WriteAllBytes(latest, bytes[..(bytes.Length * 2 / 3)]);
        Assert.NotNull(CheckpointFile.Verify(latest));

        var cfg = IterCfg(interval: 4, maxIters: 8);
        cfg["resume"] = true;
        using var resumed = Toy.Create(cfg);
        Assert.Equal(Path.Combine(Tmp.Path, "iter_4.pth"), resumed.FindLatestIntactCheckpoint(Tmp.Path));
        resumed.Train();
        Assert.Equal(8, resumed.Iter);
        string log = string.Join("\n", Directory.GetFiles(Tmp.Path, "*.log", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains($"The latest checkpoint {latest} cannot be used", log);
        Assert.Contains($"resuming from the previous intact checkpoint {Path.Combine(Tmp.Path, "iter_4.pth")} instead", log);
        Assert.Contains("resumed epoch: 0, iter: 4", log);
    }

    // RUN-08: nothing intact to fall back to is an error naming every file tried.
    [Fact]
    public void AutoResume_NoIntactCheckpoint_ThrowsNamingFiles()
    {
        string path = Path.Combine(Tmp.Path, "iter_3.pth");
        File.WriteAllBytes(path, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]);
        File.WriteAllText(Path.Combine(Tmp.Path, "last_checkpoint"), path);
        var cfg = IterCfg(interval: 4);
        cfg["resume"] = true;
        using var runner = Toy.Create(cfg);
        var e = Assert.Throws<KilnException>(() => runner.Train());
        Assert.Contains("no intact checkpoint to resume from", e.Message);
        Assert.Contains(path, e.Message);
    }

    // RUN-09: resume='path' resumes from that file (MMEngine accepts resume=True with load_from; a path is Kiln's shorthand).
    [Fact]
    public void Resume_PathValue_ResumesFromThatFile()
    {
        using (var runner = Toy.Create(IterCfg(interval: 3, maxIters: 9)))
            runner.Train();
        var cfg = IterCfg(interval: 3, maxIters: 9);
        cfg["resume"] = Path.Combine(Tmp.Path, "iter_3.pth");
        cfg["work_dir"] = Path.Combine(Tmp.Path, "second");
        using var resumed = Toy.Create(cfg);
        resumed.Train();
        string log = string.Join("\n", Directory.GetFiles(Path.Combine(Tmp.Path, "second"), "*.log", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("resumed epoch: 0, iter: 3", log);
        ExactResumeTests.AssertSameTensors(Path.Combine(Tmp.Path, "iter_9.pth"), Path.Combine(Tmp.Path, "second", "iter_9.pth"));
    }
}

using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>
/// RUN-08, CKPT-02 (issue 9, "exact resume"): training N iterations in one go, and training k, being SIGKILLed,
/// resuming (<c>kiln train --resume</c>) and training to N give bitwise-identical weights and optimizer state, for
/// the epoch- and the iteration-based loop, killed mid-epoch. The fixture model uses dropout (libtorch's generator)
/// and its dataset adds noise from <c>KilnRandom</c> on every load, so the runs only match when both random states
/// are restored and no consumed batch is loaded again (a replayed batch would draw extra noise).
/// The child runs the real <c>kiln</c> executable with one libtorch thread (<c>env_cfg.num_threads=1</c>).
/// </summary>
public class ExactResumeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static string Config(bool byEpoch, int stallAfterIter) => $$"""
        default_scope = 'trainfix'
        model = dict(type='ResumeNet', in_features=4, hidden=16, dropout=0.25)
        train_dataloader = dict(dataset=dict(type='NoiseDataset', size=24, augment=True),
                                sampler=dict(type='DefaultSampler', shuffle=True), batch_size=4, num_workers=0)
        train_cfg = {{(byEpoch ? "dict(by_epoch=True, max_epochs=3)" : "dict(by_epoch=False, max_iters=20)")}}
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
        param_scheduler = {{(byEpoch ? "dict(type='MultiStepLR', milestones=[2], gamma=0.5)" : "dict(type='MultiStepLR', by_epoch=False, milestones=[12], gamma=0.5)")}}
        log_processor = dict(by_epoch={{(byEpoch ? "True" : "False")}})
        default_hooks = dict(logger=dict(type='LoggerHook', interval=1),
                             checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False))
        custom_hooks = [dict(type='SleepHook', stall_after_iter={{stallAfterIter}}, priority='LOWEST')]
        env_cfg = dict(num_threads=1)
        randomness = dict(seed=3)
        """;

    // RUN-08: epoch-based, 6 batches per epoch, killed after iteration 9 (epoch 2, batch 3 of 6).
    [Fact]
    public void EpochBased_KilledMidEpochAndResumed_MatchesUninterruptedRunBitwise() =>
        KillResumeAndCompare(byEpoch: true, killAfter: 9, total: 18, expectResumed: "resumed epoch: 1, iter: 9");

    // RUN-08: iteration-based, 20 iterations over 6-batch passes, killed after iteration 8 (pass 2, batch 2 of 6).
    [Fact]
    public void IterBased_KilledMidPassAndResumed_MatchesUninterruptedRunBitwise() =>
        KillResumeAndCompare(byEpoch: false, killAfter: 8, total: 20, expectResumed: "resumed epoch: 0, iter: 8");

    private static void KillResumeAndCompare(bool byEpoch, int killAfter, int total, string expectResumed)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("run.py"), Config(byEpoch, stallAfterIter: -1));
        File.WriteAllText(dir.File("stall.py"), Config(byEpoch, stallAfterIter: killAfter));

        var reference = KilnProcess.Run(dir.Path, Limit, "train", "run.py", "--work-dir", "reference");
        Assert.True(reference.ExitCode == 0, reference.Output);

        using (var child = KilnProcess.Start(dir.Path, "train", "stall.py", "--work-dir", "killed"))
        {
            string expected = Path.Combine(dir.Path, "killed", $"iter_{killAfter}.pth");
            WaitFor(() => Kiln.Runner.FindLatestCheckpoint(dir.File("killed")) == expected, child, Limit);
            child.Kill(); // SIGKILL while it sits after iteration k
        }

        Assert.False(File.Exists(dir.File("killed", $"iter_{killAfter + 1}.pth")));
        var resumed = KilnProcess.Run(dir.Path, Limit, "train", "run.py", "--work-dir", "killed", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Contains(expectResumed, resumed.Output);
        Assert.DoesNotContain("could not be restored", resumed.Output);

        AssertSameTensors(dir.File("reference", $"iter_{total}.pth"), dir.File("killed", $"iter_{total}.pth"));
    }

    private static void WaitFor(Func<bool> condition, KilnProcess child, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (child.HasExited) Assert.Fail($"kiln exited before the awaited checkpoint:\n{child.Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"no checkpoint within {limit}:\n{child.Output}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Every tensor of <c>state_dict</c> and <c>optimizer</c> equal byte for byte.</summary>
    internal static void AssertSameTensors(string expectedPath, string actualPath)
    {
        using var scope = NewDisposeScope();
        var expected = (PyDict)CheckpointFile.Load(expectedPath)!;
        var actual = (PyDict)CheckpointFile.Load(actualPath)!;
        Assert.Equal(((PyDict)expected["meta"]!)["iter"], ((PyDict)actual["meta"]!)["iter"]);
        foreach (var part in new[] { "state_dict", "optimizer" })
        {
            var e = CheckpointValue.EnumerateTensors(expected[part]).ToList();
            var a = CheckpointValue.EnumerateTensors(actual[part]).ToList();
            Assert.Equal(e.Count, a.Count);
            Assert.NotEmpty(e);
            for (int i = 0; i < e.Count; i++)
                Assert.True(e[i].bytes.SequenceEqual(a[i].bytes), $"{part} tensor {i} differs: {e[i].ToString(TorchSharp.TensorStringStyle.Julia)} vs {a[i].ToString(TorchSharp.TensorStringStyle.Julia)}");
        }
    }
}

using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>
/// Issue 9, "crash test" (CKPT-01, RUN-08): a <c>kiln train</c> child saves a ~8 MB checkpoint after every iteration
/// (weights plus SGD momentum, <c>max_keep_ckpts=2</c>, so old files are deleted while new ones are written) and is
/// SIGKILLed at a random moment, 20 times, each trial resuming the previous one's work directory. After every kill,
/// <c>last_checkpoint</c>, once it exists, names a complete checkpoint that verifies (every zip CRC) and loads, whose
/// <c>meta.iter</c> matches its file name. The kill delays come from a fixed seed, so the schedule repeats; where
/// each kill lands inside a save still depends on the machine, which is the point.
/// </summary>
public class CrashSafetyTests
{
    private const string Config = """
        default_scope = 'trainfix'
        model = dict(type='ResumeNet', in_features=1024, hidden=1024, dropout=0.0)
        train_dataloader = dict(dataset=dict(type='NoiseDataset', size=64, features=1024, augment=False),
                                sampler=dict(type='DefaultSampler', shuffle=True), batch_size=8, num_workers=0)
        train_cfg = dict(by_epoch=False, max_iters=100000)
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0001, momentum=0.9))
        log_processor = dict(by_epoch=False)
        default_hooks = dict(logger=dict(type='LoggerHook', interval=50),
                             checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False, max_keep_ckpts=2))
        env_cfg = dict(num_threads=1)
        randomness = dict(seed=0)
        resume = True
        """;

    [Fact]
    public void Sigkill_WhileSavingCheckpoints_LastCheckpointAlwaysNamesIntactFile()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("crash.py"), Config);
        string workDir = dir.File("work");
        var random = new Random(20261130);
        int withCheckpoint = 0;
        long lastIter = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            using (var child = KilnProcess.Start(dir.Path, "train", "crash.py", "--work-dir", "work"))
            {
                // Wait for the child to be training (its first save after this start), then a random 0-1500 ms more.
                var deadline = DateTime.UtcNow.AddMinutes(3);
                string? before = Kiln.Runner.FindLatestCheckpoint(workDir);
                while (Kiln.Runner.FindLatestCheckpoint(workDir) == before && !child.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
                Assert.False(child.HasExited, $"trial {trial}: kiln exited early:\n{child.Output}");
                Thread.Sleep(random.Next(0, 1500));
                child.Kill();
            }

            string? latest = Kiln.Runner.FindLatestCheckpoint(workDir);
            Assert.NotNull(latest);
            withCheckpoint++;
            Assert.True(CheckpointFile.Verify(latest!) is null, $"trial {trial}: {latest}: {CheckpointFile.Verify(latest!)}");
            using var scope = NewDisposeScope();
            var meta = (PyDict)((PyDict)CheckpointFile.Load(latest!)!)["meta"]!;
            long iter = (long)meta["iter"]!;
            Assert.Equal($"iter_{iter}.pth", Path.GetFileName(latest));
            Assert.True(iter > lastIter, $"trial {trial}: iteration {iter} did not move past {lastIter} (resume failed?)");
            lastIter = iter;
        }

        Assert.Equal(20, withCheckpoint);
    }
}

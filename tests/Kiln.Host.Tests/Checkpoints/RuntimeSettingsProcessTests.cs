namespace Kiln.Tests.Checkpoints;

/// <summary>
/// Issue 12 (memory flat after warm-up): the real <c>kiln</c> executable runs with the gen-0 budget capped at 4 MiB
/// and tiered PGO off (Directory.Build.targets writes both into kiln.runtimeconfig.json), and its start-up
/// "System environment:" block says so, from the GC's own configuration.
/// </summary>
public class RuntimeSettingsProcessTests
{
    [Fact]
    public void KilnTrain_RunsWithCappedGen0AndNoTieredPgo_AndReportsIt()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("run.py"), """
            default_scope = 'trainfix'
            model = dict(type='ResumeNet', in_features=4, hidden=8, dropout=0.0)
            train_dataloader = dict(dataset=dict(type='NoiseDataset', size=8, augment=False),
                                    sampler=dict(type='DefaultSampler', shuffle=False), batch_size=4, num_workers=0)
            train_cfg = dict(by_epoch=False, max_iters=2)
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05))
            default_hooks = dict(checkpoint=None)
            env_cfg = dict(num_threads=1)
            """);
        var (exitCode, output) = KilnProcess.Run(dir.Path, TimeSpan.FromMinutes(2), "train", "run.py", "--work-dir", "work");
        Assert.True(exitCode == 0, output);
        Assert.Contains("\n    .NET runtime: workstation GC, concurrent, gen-0 budget at most 4 MiB; tiered PGO off\n", output);
    }
}

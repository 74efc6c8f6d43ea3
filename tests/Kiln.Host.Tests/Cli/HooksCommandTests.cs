using Kiln.Cli;
using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Cli;

/// <summary><c>kiln hooks</c> (HOOK-02, RUN-12): MMEngine's hook-info block of a config's default_hooks/custom_hooks.</summary>
public sealed class HooksCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Config(string text)
    {
        string path = _tmp.Combine("cfg.py");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Overrides = """
        model = dict(type='NotBuiltHere')
        default_hooks = dict(timer=None, checkpoint=dict(type='CheckpointHook', interval=2, priority='HIGHEST'))
        custom_hooks = [dict(type='EarlyStoppingHook', monitor='acc', priority='NORMAL')]
        """;

    [Fact]
    public void Hooks_ResolvedOrderPerStage_AsMMEnginesBlock()
    {
        var run = CliRun.Invoke("hooks", Config(Overrides));
        Assert.True(run.ExitCode == 0, run.Error);
        // timer=None removed IterTimerHook; the checkpoint dict replaced the default and its priority moved it first.
        const string afterTrainIter =
            "after_train_iter:\n" +
            "(HIGHEST     ) CheckpointHook                     \n" +
            "(VERY_HIGH   ) RuntimeInfoHook                    \n" +
            "(BELOW_NORMAL) LoggerHook                         \n" +
            "(LOW         ) ParamSchedulerHook                 \n" +
            " -------------------- \n";
        Assert.Contains(afterTrainIter, run.Output);
        Assert.StartsWith("before_run:\n", run.Output);
        Assert.DoesNotContain("IterTimerHook", run.Output);
        // EarlyStoppingHook acts after validation only; NORMAL puts it between RuntimeInfoHook and LoggerHook.
        // CheckpointHook acts there too (save_best), first because this config gives it priority HIGHEST.
        const string afterValEpoch =
            "after_val_epoch:\n" +
            "(HIGHEST     ) CheckpointHook                     \n" +
            "(VERY_HIGH   ) RuntimeInfoHook                    \n" +
            "(NORMAL      ) EarlyStoppingHook                  \n" +
            "(BELOW_NORMAL) LoggerHook                         \n" +
            "(LOW         ) ParamSchedulerHook                 \n" +
            " -------------------- \n";
        Assert.Contains(afterValEpoch, run.Output);
        Assert.Equal(1, run.Output.Split('\n').Count(l => l.Contains("EarlyStoppingHook", StringComparison.Ordinal)));
    }

    [Fact]
    public void Hooks_CfgOptions_NoneRemovesADefaultHook()
    {
        var run = CliRun.Invoke("hooks", Config(Overrides), "--cfg-options", "default_hooks.logger=None");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("LoggerHook", run.Output);
        Assert.Contains("(LOW         ) ParamSchedulerHook", run.Output);
    }

    [Fact]
    public void Hooks_BadHook_ClearErrorNamingTheKey()
    {
        var run = CliRun.Invoke("hooks", Config("custom_hooks = [dict(type='EarlyStoppingHook', monitor='recall')]\n"));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("custom_hooks[0]", run.Error);
        Assert.Contains("rule='greater'", run.Error);
    }

    [Fact]
    public void HooksInfo_LeavesNoWorkDirectory()
    {
        using var toy = new ToyRunner();
        var cfg = new ConfigDict { ["default_hooks"] = new ConfigDict { ["timer"] = null } };
        string info = HooksCommand.HooksInfo(toy.Services, cfg, _tmp.Path);
        Assert.Contains("after_train_iter:\n(VERY_HIGH   ) RuntimeInfoHook", info);
        Assert.Empty(Directory.GetFileSystemEntries(_tmp.Path));
    }
}

using Kiln.Config;
using Kiln.Hooks;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>
/// HOOK-02/RUN-12: MMEngine's register_hooks semantics for default_hooks and custom_hooks (test_runner.py
/// test_default_hooks / test_custom_hooks): 6 defaults, a key set to None removes that hook, a dict replaces it per
/// key, priority overrides the hook's own, ties keep registration order.
/// </summary>
public sealed class DefaultHooksTests : ToyRunnerTest
{
    private string[] HookNames(ConfigDict? defaultHooks, List<object?>? customHooks)
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg.Remove("default_hooks");
        cfg.Remove("custom_hooks");
        if (defaultHooks is not null) cfg["default_hooks"] = defaultHooks;
        if (customHooks is not null) cfg["custom_hooks"] = customHooks;
        using var runner = Toy.Create(cfg);
        return runner.HookList.Hooks.Select(h => h is EarlyStoppingHook e ? $"EarlyStoppingHook({e.Monitor})" : h.GetType().Name).ToArray();
    }

    [Fact]
    public void NoDefaultHooksKey_SixMMEngineDefaultsInPriorityOrder() =>
        Assert.Equal(["RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "LoggerHook", "ParamSchedulerHook", "CheckpointHook"],
            HookNames(null, null));

    [Fact]
    public void KeySetToNone_RemovesThatDefaultHook()
    {
        var names = HookNames(new ConfigDict { ["timer"] = null }, null);
        Assert.Equal(5, names.Length);
        Assert.DoesNotContain("IterTimerHook", names);
        Assert.Equal("CheckpointHook", names[4]);
    }

    [Fact]
    public void DictPerKey_ReplacesOnlyThatHook_PriorityOverrides()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg.Remove("custom_hooks");
        cfg["default_hooks"] = new ConfigDict
        {
            ["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["interval"] = 3L },
            ["logger"] = new ConfigDict { ["type"] = "LoggerHook", ["interval"] = 1L, ["priority"] = "HIGHEST" },
        };
        using var runner = Toy.Create(cfg);
        var hooks = runner.HookList.Hooks;
        Assert.Equal(["LoggerHook", "RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "ParamSchedulerHook", "CheckpointHook"],
            hooks.Select(h => h.GetType().Name));
        Assert.Equal(HookPriority.Highest, runner.HookList.Entries[0].Priority);
        Assert.Equal(3, hooks.OfType<CheckpointHook>().Single().Interval);
    }

    [Fact]
    public void PriorityTies_KeepRegistrationOrder_DefaultsBeforeCustom()
    {
        var names = HookNames(null,
        [
            new ConfigDict { ["type"] = "EarlyStoppingHook", ["monitor"] = "acc", ["priority"] = "NORMAL" },
            new ConfigDict { ["type"] = "EarlyStoppingHook", ["monitor"] = "loss", ["priority"] = 50L },
            new ConfigDict { ["type"] = "EarlyStoppingHook", ["monitor"] = "top1" },
        ]);
        Assert.Equal(["RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "EarlyStoppingHook(acc)", "EarlyStoppingHook(loss)",
            "LoggerHook", "ParamSchedulerHook", "CheckpointHook", "EarlyStoppingHook(top1)"], names);
    }

    [Fact]
    public void DefaultHookNotADict_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => HookNames(new ConfigDict { ["timer"] = "IterTimerHook" }, null));
        Assert.Contains("default_hooks.timer", e.Message);
    }
}

using Kiln.Config;
using Kiln.Hosting;
using Microsoft.Extensions.Hosting;

namespace Kiln.Guide;

/// <summary>docs/guide/hooks.md.</summary>
public static class HookSnippets
{
    [Snippet("custom-hook")]
    public static void CustomHook()
    {
        #region guide:custom-hook
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var cfg = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
        cfg["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "CheckInvalidLossHook", ["interval"] = 10L } };
        using var runner = Runner.FromConfig(cfg.Dict, host.Services);
        runner.Train();
        var hook = runner.HookList.Hooks.OfType<CheckInvalidLossHook>().Single();
        Console.WriteLine($"{runner.Iter} iterations, loss checked {hook.Checks} times");
        #endregion
    }
}

using Kiln.Config;
using Kiln.Hooks;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Hooks;

/// <summary>
/// HOOK-06 / LoggerHook's <c>out_dir</c>, <c>out_suffix</c> and <c>keep_local</c> (MMEngine's logger_hook.py
/// before_run/after_run and test_logger_hook.py's keep_local case): after the run the log dir's files with one of
/// the suffixes are copied to <c>out_dir/&lt;work_dir's last folder&gt;/</c>, and removed locally with keep_local=False.
/// </summary>
public sealed class LoggerHookOutDirTests : ToyRunnerTest
{
    private Kiln.Runner Train(ConfigDict logger)
    {
        var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, "work_a"));
        cfg["default_hooks"] = new ConfigDict { ["logger"] = logger };
        var runner = Toy.Create(cfg);
        runner.Train();
        runner.Dispose();
        return runner;
    }

    private static string[] Relative(string root) => Directory.Exists(root)
        ? Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray()
        : [];

    [Fact]
    public void OutDir_KeepLocal_CopiesTheLogsAndKeepsThem()
    {
        string outDir = Path.Combine(Tmp.Path, "shared");
        var runner = Train(new ConfigDict { ["type"] = "LoggerHook", ["out_dir"] = outDir });
        string final = Path.Combine(outDir, "work_a");
        string ts = runner.Timestamp;
        Assert.Equal([$"{ts}.log", $"vis_data/{ts}.json", "vis_data/config.py", "vis_data/scalars.json"], Relative(final));
        foreach (var file in Relative(final).Where(f => !f.EndsWith(".log", StringComparison.Ordinal)))
            Assert.Equal(File.ReadAllText(Path.Combine(runner.LogDir, file)), File.ReadAllText(Path.Combine(final, file)));
        // the local log goes on after its copy was taken (the "uploaded" lines), as in MMEngine
        Assert.StartsWith(File.ReadAllText(Path.Combine(final, ts + ".log")), File.ReadAllText(Path.Combine(runner.LogDir, ts + ".log")));
        string log = File.ReadAllText(Path.Combine(runner.LogDir, ts + ".log"));
        Assert.Contains($"Text logs will be saved to {final} after the training process.", log);
        Assert.Contains($"The file {Path.Combine(runner.LogDir, "vis_data", "scalars.json")} has been uploaded to {Path.Combine(final, "vis_data", "scalars.json")}.", log);
    }

    [Fact]
    public void OutDir_KeepLocalFalse_RemovesTheCopiedFiles()
    {
        string outDir = Path.Combine(Tmp.Path, "shared");
        var runner = Train(new ConfigDict { ["type"] = "LoggerHook", ["out_dir"] = outDir, ["keep_local"] = false });
        Assert.Empty(Relative(runner.LogDir));
        Assert.Equal(4, Relative(Path.Combine(outDir, "work_a")).Length);
    }

    [Fact]
    public void OutSuffix_OneString_CopiesOnlyThoseFiles()
    {
        string outDir = Path.Combine(Tmp.Path, "shared");
        var runner = Train(new ConfigDict { ["type"] = "LoggerHook", ["out_dir"] = outDir, ["out_suffix"] = ".log" });
        Assert.Equal([$"{runner.Timestamp}.log"], Relative(Path.Combine(outDir, "work_a")));
    }

    [Fact]
    public void NoOutDir_CopiesNothing()
    {
        var runner = Train(new ConfigDict { ["type"] = "LoggerHook" });
        Assert.Equal(4, Relative(runner.LogDir).Length);
        Assert.DoesNotContain("Text logs will be saved", File.ReadAllText(Path.Combine(runner.LogDir, runner.Timestamp + ".log")));
    }

    [Fact]
    public void Constructor_BadValues_ErrorsNameTheKey()
    {
        var uri = Assert.Throws<KilnException>(() => new LoggerHook(outDir: "s3://bucket/logs"));
        Assert.Contains("LoggerHook.out_dir 's3://bucket/logs' is a URI", uri.Message);
        var suffix = Assert.Throws<KilnException>(() => new LoggerHook(outDir: "x", outSuffix: 3));
        Assert.Equal("LoggerHook.out_suffix should be a string or a tuple of strings, but got 3.", suffix.Message);
        Assert.Equal([".json", ".log", ".py", "yaml"], new LoggerHook().OutSuffix);
        Assert.Equal([".log", ".py"], new LoggerHook(outSuffix: new List<object?> { ".log", ".py" }).OutSuffix);
    }
}

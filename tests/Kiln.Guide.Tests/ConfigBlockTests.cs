using Kiln.Config;
using Kiln.TestKit;

namespace Kiln.Guide.Tests;

/// <summary>
/// Every ```python block of the guide is loaded with the real config reader, and checked as its marker says:
/// <list type="bullet">
/// <item><c>config: runner</c> — a complete runner config: <c>kiln config validate</c> finds nothing;</item>
/// <item><c>config: file=PATH</c> — the block is that file of the repository, word for word, and a valid runner config;</item>
/// <item><c>config: overlay</c> — lines added to examples/Guide/configs/toy_runner.py: the result validates;</item>
/// <item><c>train</c> (with runner, file or overlay) — the config also trains (tiny data, temporary work_dir);</item>
/// <item><c>config: fragment</c> — loads (no runner keys to check);</item>
/// <item><c>expect-error: TEXT</c> (after a <c>;</c>) — loading, validating or building the Runner fails with TEXT.</item>
/// </list>
/// </summary>
public sealed class ConfigBlockTests(GuideHost host) : IClassFixture<GuideHost>
{
    private readonly GuideHost _host = host;

    public static TheoryData<string> PythonBlocks() => new(GuideDocs.Of("python").Select(b => b.ToString()));

    private static string ToyRunnerText => File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "Guide", "configs", "toy_runner.py"));

    [Fact]
    public void TheGuideHasConfigBlocksOfEveryKind()
    {
        var markers = GuideDocs.Of("python").Select(b => b.Marker ?? "").ToList();
        Assert.True(markers.Count >= 20, $"only {markers.Count} config blocks");
        foreach (var kind in new[] { "runner", "overlay", "fragment", "train", "file=", "expect-error:" })
            Assert.Contains(markers, m => m.Contains(kind, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(PythonBlocks))]
    public void ConfigBlock_LoadsAndChecksAsItsMarkerSays(string where)
    {
        var block = GuideDocs.Of("python").Single(b => b.ToString() == where);
        Assert.True(block.Marker?.StartsWith("config:", StringComparison.Ordinal) == true,
            $"{where}: a python block needs <!-- config: runner|overlay|fragment|file=PATH [train][; expect-error: TEXT] --> before it; marker was '{block.Marker}'.");
        var parts = block.Marker!.Split(';', 2);
        var words = parts[0]["config:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        string? expectError = parts.Length > 1 && parts[1].Trim().StartsWith("expect-error:", StringComparison.Ordinal)
            ? parts[1].Trim()["expect-error:".Length..].Trim() : null;

        string text = block.Text;
        var file = words.FirstOrDefault(w => w.StartsWith("file=", StringComparison.Ordinal))?["file=".Length..];
        if (file is not null)
            Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, file)).Replace("\r\n", "\n"), text);
        if (words.Contains("overlay")) text = ToyRunnerText + text;

        using var dir = new GuideWorkDir();
        string? error = null;
        try
        {
            var cfg = file is not null ? Kiln.Config.Config.FromFile(Path.Combine(RepoPaths.Root, file), _host.LoadOptions) : Kiln.Config.Config.FromString(text, ".py", _host.LoadOptions);
            if (words.Contains("fragment"))
            {
                Assert.Null(expectError);
                return;
            }
            var problems = _host.Validate(cfg.Dict);
            if (problems.Count > 0) error = string.Join("\n", problems);
            else if (words.Contains("train") || expectError is not null) Train(cfg.Dict, dir.Root);
        }
        catch (KilnException e)
        {
            error = e.Message;
        }
        if (expectError is null) Assert.True(error is null, $"{where}: {error}");
        else
        {
            Assert.True(error is not null, $"{where}: expected an error containing \"{expectError}\", but it loaded, validated and ran.");
            Assert.True(error.Contains(expectError, StringComparison.Ordinal), $"{where}: expected an error containing \"{expectError}\", got:\n{error}");
        }
    }

    private void Train(ConfigDict cfg, string root)
    {
        cfg["work_dir"] = Path.Combine(root, "work_dirs", "block");
        using var runner = Runner.FromConfig(cfg, _host.Services);
        runner.Train();
        Assert.True(runner.Iter > 0, "the config trained no iteration");
    }

}

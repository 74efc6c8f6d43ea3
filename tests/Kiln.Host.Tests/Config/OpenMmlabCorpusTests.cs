using System.Text.Json;
using Kiln.Config;

namespace Kiln.Tests.Config;

/// <summary>
/// Real OpenMMLab configs (Config/Corpus/openmmlab/&lt;repo&gt;/configs/..., with their _base_ chains) load to exactly
/// the dict MMEngine's <c>Config.fromfile(path).to_dict()</c> gives; each <c>X.py.expected.json</c> beside a config was
/// written by MMEngine's own config.py code (tools/config-oracle), not by Kiln. CFG-01, CFG-06, CFG-07, CFG-08.
/// </summary>
public class OpenMmlabCorpusTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Config", "Corpus", "openmmlab");

    /// <summary>Every config with an <c>.expected.json</c>, relative to the corpus root (&lt;repo&gt;/configs/...).</summary>
    public static List<string> ListConfigs() =>
        Directory.EnumerateFiles(Root, "*.expected.json", SearchOption.AllDirectories)
            .Select(expected => Path.GetRelativePath(Root, expected[..^".expected.json".Length]).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static TheoryData<string> Configs() => new(ListConfigs());

    [Theory]
    [MemberData(nameof(Configs))]
    public void FromFile_RealOpenMmlabConfig_EqualsMmengineToDict(string config)
    {
        // CFG-01, CFG-06, CFG-07, CFG-08: same keys, key order, values and int/float types as MMEngine.
        string path = Path.Combine(Root, config);
        var cfg = Kiln.Config.Config.FromFile(path, new ConfigLoadOptions { GetEnvironmentVariable = _ => null });
        using var expected = JsonDocument.Parse(File.ReadAllText(path + ".expected.json"));
        Assert.Null(CorpusComparer.FirstDifference(expected.RootElement, cfg.Dict));
    }

    [Fact]
    public void Corpus_CoversManyConfigsFromSeveralRepositories()
    {
        // The corpus is what the claim rests on: keep it from shrinking unnoticed.
        var configs = ListConfigs();
        var repos = configs.Select(c => c.Split('/')[0]).Distinct().ToList();
        Assert.True(configs.Count >= 40, $"only {configs.Count} corpus configs");
        Assert.True(repos.Count >= 4, $"only {repos.Count} repositories: {string.Join(", ", repos)}");
    }
}

using System.Text.Json;
using Kiln.Config;

namespace Kiln.Tests.Config;

/// <summary>
/// The config examples of the MMEngine docs that spec/seed-features.md turns into acceptance examples (AE-CFG-01,
/// 04..09, 11..13, 15: Config/Corpus/spec), each compared with what MMEngine's own config code returns for it
/// (tools/config-oracle). The printed outputs the spec quotes are asserted in ConfigFileTests and CfgOptionsTests.
/// </summary>
public class SpecExamplesCorpusTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Config", "Corpus", "spec");

    public static TheoryData<string> Examples() => new(
        Directory.EnumerateFiles(Root, "*.expected.json")
            .Select(e => Path.GetFileName(e)[..^".expected.json".Length])
            .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Examples))]
    public void FromFile_SpecExample_EqualsMmengineToDict(string example)
    {
        // CFG-01, CFG-06..CFG-11, CFG-13, CFG-15 (AE-CFG-*), environment unset so defaults apply.
        var cfg = Kiln.Config.Config.FromFile(Path.Combine(Root, example), new ConfigLoadOptions { GetEnvironmentVariable = _ => null });
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, example) + ".expected.json"));
        Assert.Null(CorpusComparer.FirstDifference(expected.RootElement, cfg.Dict));
    }

    [Fact]
    public void FromFile_PredefinedVarExample_WorkDirNamedAfterFile()
    {
        // AE-CFG-13: print(cfg.work_dir) -> ./work_dir/predefined_var
        var cfg = Kiln.Config.Config.FromFile(Path.Combine(Root, "predefined_var.py"));
        Assert.Equal("./work_dir/predefined_var", cfg["work_dir"]);
    }
}

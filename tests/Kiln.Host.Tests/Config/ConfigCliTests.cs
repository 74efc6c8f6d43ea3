using Kiln.Config;
using Kiln.TestKit;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary><c>kiln config dump</c> and <c>kiln config explain</c>, run in-process (issue 3, CFG-12, CFG-13).</summary>
/// <remarks>Tests in this assembly run one at a time, so the ones that need a working directory may set it.</remarks>
public sealed class ConfigCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        string path = _dir.Combine(name.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return path;
    }

    /// <summary>Runs the CLI with the temp folder as the working directory.</summary>
    private CliRun InDir(params string[] args)
    {
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(_dir.Path);
        try
        {
            return CliRun.Invoke(args);
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    private void WriteResNet()
    {
        Write("configs/_base_/model.py", "model = dict(\n    type='ResNet',\n    depth=50,\n    out_indices=(0, 1, 2, 3))\n");
        Write("configs/resnet.py", "_base_ = ['_base_/model.py']\nmodel = dict(depth=101)\nlr = 0.02\nsteps = [8, 11]\n");
    }

    [Fact]
    public void Dump_OneFile_PrintsPrettyTextToStdout()
    {
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        Assert.Equal("lr = 0.02\nmodel = dict(depth=101, out_indices=(0, 1, 2, 3), type='ResNet')\nsteps = [8, 11]\n", run.Output);
    }

    [Fact]
    public void Dump_Json_IsToDictTuplesAsArraysIntsStayInts()
    {
        // CFG-12: MMEngine's json.dumps(cfg.to_dict()): base keys first, then the child's new ones.
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py", "--format", "json");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("{\"model\": {\"type\": \"ResNet\", \"depth\": 101, \"out_indices\": [0, 1, 2, 3]}, \"lr\": 0.02, \"steps\": [8, 11]}\n", run.Output);
    }

    [Fact]
    public void Dump_Yaml_PrintsYaml()
    {
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py", "--format", "yaml");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("lr: 0.02\nmodel:\n  depth: 101\n  out_indices:\n  - 0\n  - 1\n  - 2\n  - 3\n  type: ResNet\nsteps:\n- 8\n- 11\n", run.Output);
    }

    [Fact]
    public void Dump_CfgOptions_AppliedBeforeDumping()
    {
        // CFG-13
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py", "--format", "json", "--cfg-options", "model.depth=18", "steps=[1,2]");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("{\"model\": {\"type\": \"ResNet\", \"depth\": 18, \"out_indices\": [0, 1, 2, 3]}, \"lr\": 0.02, \"steps\": [1, 2]}\n", run.Output);
    }

    [Fact]
    public void Dump_OutDir_MirrorsPathsRelativeToWorkingDirectory()
    {
        WriteResNet();
        Write("configs/other/data.yml", "batch_size: 4\n");
        Write("top.json", "{\"a\": [1, 2]}");
        var run = InDir("config", "dump", "configs/resnet.py", "configs/other/data.yml", "top.json", "--format", "json", "--out-dir", "out");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Equal("{\"model\": {\"type\": \"ResNet\", \"depth\": 101, \"out_indices\": [0, 1, 2, 3]}, \"lr\": 0.02, \"steps\": [8, 11]}\n",
            File.ReadAllText(_dir.Combine("out", "configs", "resnet.json")));
        Assert.Equal("{\"batch_size\": 4}\n", File.ReadAllText(_dir.Combine("out", "configs", "other", "data.json")));
        Assert.Equal("{\"a\": [1, 2]}\n", File.ReadAllText(_dir.Combine("out", "top.json")));
    }

    [Fact]
    public void Dump_AbsolutePathInsideWorkingDirectory_LandsAtItsRelativePath()
    {
        WriteResNet();
        var run = InDir("config", "dump", _dir.Combine("configs", "resnet.py"), "--format", "yaml", "--out-dir", _dir.Combine("o"));
        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(_dir.Combine("o", "configs", "resnet.yaml")));
    }

    [Fact]
    public void Dump_FailingFile_ReportsPathAndErrorAndTheRestGoOn()
    {
        WriteResNet();
        Write("bad/syntax.py", "x = (1,\n");
        Write("bad/import.py", "import os\n");
        var run = InDir("config", "dump", "bad/syntax.py", "configs/resnet.py", "bad/import.py", "missing.py", "--out-dir", "out");
        Assert.Equal(1, run.ExitCode);
        Assert.True(File.Exists(_dir.Combine("out", "configs", "resnet.py")));
        Assert.False(File.Exists(_dir.Combine("out", "bad", "syntax.py")));
        var lines = run.Error.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("bad/syntax.py: ", StringComparison.Ordinal) && l.EndsWith("syntax.py:1:5: '(' was never closed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bad/import.py: ", StringComparison.Ordinal) && l.Contains("import.py:1:1: imports are not allowed"));
        Assert.Contains(lines, l => l.StartsWith("missing.py: config file not found: 'missing.py'", StringComparison.Ordinal));
        Assert.Contains("    x = (1,\n        ^", run.Error);
    }

    [Fact]
    public void Dump_PyOutput_ReloadsToTheSameDict()
    {
        // CFG-12: the .py dump is a standalone config (bases merged) that reads back to the same values, tuples included.
        Write("configs/_base_/b.py", "pipeline = [dict(type='Load'), dict(type='Resize', scale=(1333, 800), keep_ratio=True)]\nnum = 3\n");
        Write("configs/c.py", """
            _base_ = ['_base_/b.py']
            model = dict(type='M', widths=[_base_.num * i for i in range(3)], name=f'net{_base_.num}', eps=1e-5, flag=None, t=(1,))
            words = 'it\'s "quoted"\n\ttab'
            nested = {'a b': dict(c=[True, False, -2.5, (1, (2, 3))])}
            """);
        var run = InDir("config", "dump", "configs/c.py", "--out-dir", "out");
        Assert.Equal(0, run.ExitCode);
        var original = Kiln.Config.Config.FromFile(_dir.Combine("configs", "c.py"), Env());
        var reloaded = Kiln.Config.Config.FromFile(_dir.Combine("out", "configs", "c.py"), Env());
        Assert.Equal(Repr(Sorted(original.Dict)), Repr(Sorted(reloaded.Dict)));
        Assert.Equal("it's \"quoted\"\n\ttab", reloaded["words"]);
        Assert.IsType<object?[]>(((ConfigDict)reloaded["model"]!)["t"]);
        // Dumping the dump changes nothing.
        Assert.Equal(original.PrettyText, reloaded.PrettyText);
    }

    private static object? Sorted(object? v) => v switch
    {
        ConfigDict d => new ConfigDict(d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, object?>(kv.Key, Sorted(kv.Value)))),
        List<object?> l => l.Select(Sorted).ToList(),
        object?[] t => t.Select(Sorted).ToArray(),
        _ => v,
    };

    [Fact]
    public void Dump_SeveralFilesWithoutOutDir_IsAUsageError()
    {
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py", "configs/_base_/model.py");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("kiln: error: 2 configs need --out-dir DIR (only one config can print to stdout)\n", run.Error.Replace("\r\n", "\n"));
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void Dump_OutsideWorkingDirectoryWithOutDir_FailsThatFile()
    {
        string outside = Path.Combine(Path.GetTempPath(), "kiln-tests", $"outside-{Guid.NewGuid():N}.py");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.WriteAllText(outside, "a = 1\n");
        try
        {
            var run = InDir("config", "dump", outside, "--out-dir", "out");
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"{outside}: cannot place the dump under --out-dir: the config is outside the working directory", run.Error);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public void Dump_UnknownFormat_Rejected()
    {
        WriteResNet();
        var run = InDir("config", "dump", "configs/resnet.py", "--format", "toml");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("toml", run.Error);
    }

    [Fact]
    public void Explain_ChildOverBase_PrintsLinesAndSource()
    {
        WriteResNet();
        var run = InDir("config", "explain", "configs/resnet.py", "model.depth");
        Assert.Equal(0, run.ExitCode);
        string sep = Path.DirectorySeparatorChar.ToString();
        Assert.Equal(
            $"model.depth = 101\n  set at configs{sep}resnet.py:2    model = dict(depth=101)\n  overriding 50 at configs{sep}_base_{sep}model.py:3    depth=50,\n",
            run.Output);
    }

    [Fact]
    public void Explain_CfgOption_HeadsTheChain()
    {
        WriteResNet();
        var run = InDir("config", "explain", "configs/resnet.py", "lr", "--cfg-options", "lr=0.1");
        Assert.Equal(0, run.ExitCode);
        string sep = Path.DirectorySeparatorChar.ToString();
        Assert.Equal($"lr = 0.1\n  set by --cfg-options lr=0.1\n  overriding 0.02 at configs{sep}resnet.py:3    lr = 0.02\n", run.Output);
    }

    [Fact]
    public void Explain_ListElement_NamesTheEnclosingKey()
    {
        WriteResNet();
        var run = InDir("config", "explain", "configs/resnet.py", "model.out_indices.2");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("model.out_indices.2 = 2\n  set with 'model.out_indices' at configs", run.Output);
        Assert.EndsWith("model.py:4    out_indices=(0, 1, 2, 3))\n", run.Output);
    }

    [Fact]
    public void Explain_MissingKey_ExitsOneListingKeys()
    {
        WriteResNet();
        var run = InDir("config", "explain", "configs/resnet.py", "model.dpth");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("kiln: error: 'model.dpth' is not in the config ('model' has keys: type, depth, out_indices)\n", run.Error.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Explain_BrokenConfig_ReportsTheError()
    {
        Write("broken.py", "a = dict(\n");
        var run = InDir("config", "explain", "broken.py", "a");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("broken.py:1:9: '(' was never closed", run.Error);
    }

    [Fact]
    public void ConfigHelp_ListsDumpAndExplain()
    {
        var run = CliRun.Invoke("config", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("dump", run.Output);
        Assert.Contains("explain", run.Output);
    }
}

using Kiln.TestKit;

namespace Kiln.Tests.Cli;

/// <summary><c>kiln test</c> / <c>kiln val</c> (RUN-04, LOOP-04, LOOP-05) errors: each names what is missing or wrong.</summary>
public sealed class EvalCommandsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Write(string name, string text)
    {
        string path = _tmp.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string TestOnly = """
        test_dataloader = dict(batch_size=1, dataset=dict(type='NoSuchDataset'))
        test_cfg = dict()
        test_evaluator = dict(type='NoSuchMetric')
        """;

    [Theory]
    [InlineData("test")]
    [InlineData("val")]
    public void MissingCheckpoint_IsAnErrorNamingTheFile(string mode)
    {
        string missing = _tmp.Combine("nope.pth");
        var run = CliRun.Invoke(mode, Write("cfg.py", TestOnly), missing, "--work-dir", _tmp.Combine("wd"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"checkpoint file '{missing}' does not exist", run.Error);
    }

    [Fact]
    public void Val_ConfigWithoutValKeys_NamesAllThreeMissing()
    {
        var run = CliRun.Invoke("val", Write("cfg.py", TestOnly), Write("ckpt.pth", ""), "--work-dir", _tmp.Combine("wd"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("has no val_dataloader, val_cfg, val_evaluator; kiln val needs val_dataloader, val_cfg, val_evaluator", run.Error);
    }

    [Fact]
    public void Test_ConfigWithoutTestEvaluator_NamesIt()
    {
        string cfg = Write("cfg.py", "test_dataloader = dict(batch_size=1)\ntest_cfg = dict()\n");
        var run = CliRun.Invoke("test", cfg, Write("ckpt.pth", ""), "--work-dir", _tmp.Combine("wd"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("has no test_evaluator; kiln test needs test_dataloader, test_cfg, test_evaluator", run.Error);
    }

    [Fact]
    public void Test_OutWithoutPklExtension_IsAnError_AsMMEngine()
    {
        string outFile = _tmp.Combine("preds.json");
        var run = CliRun.Invoke("test", Write("cfg.py", TestOnly), Write("ckpt.pth", ""), "--out", outFile, "--work-dir", _tmp.Combine("wd"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"--out {outFile}: the dump file must be a pkl file (ending in .pkl or .pickle)", run.Error);
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void Help_ListsTestAndVal()
    {
        var run = CliRun.Invoke("--help");
        Assert.Contains("test ", run.Output);
        Assert.Contains("val ", run.Output);
        var test = CliRun.Invoke("test", "--help");
        Assert.Contains("--out", test.Output);
        Assert.Contains("CHECKPOINT", test.Output);
    }
}

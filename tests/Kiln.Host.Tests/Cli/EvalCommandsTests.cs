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

    [Fact] // EVAL-05: kiln eval errors name the missing file or key
    public void Eval_MissingResultsOrEvaluator_AreErrorsNamingThem()
    {
        string missing = _tmp.Combine("none.pkl");
        var run = CliRun.Invoke("eval", Write("cfg.py", TestOnly), missing);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"results file '{missing}' does not exist; write one with kiln test CONFIG CHECKPOINT --out {missing}", run.Error);

        string dump = DumpTwo();
        var noEvaluator = CliRun.Invoke("eval", Write("bare.py", "a = 1\n"), dump);
        Assert.Equal(1, noEvaluator.ExitCode);
        Assert.Contains("has no test_evaluator; kiln eval runs it over the results", noEvaluator.Error);
    }

    [Fact] // EVAL-05: kiln eval feeds the dumped entries to the test_evaluator (here DumpResults, which writes them again)
    public void Eval_RunsTestEvaluatorOverTheDump()
    {
        string dump = DumpTwo();
        string again = _tmp.Combine("again.pkl");
        var run = CliRun.Invoke("eval", Write("cfg.py", $"test_evaluator = dict(type='DumpResults', out_file_path=r'{again}')\n"), dump, "--json");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Equal("{}", run.Output.Trim());
        var entries = Kiln.Evaluation.DumpResults.Load(again);
        Assert.Equal(2, entries.Count);
        Assert.Equal(1L, ((Kiln.Checkpoints.PyDict)entries[1]!)["gt_label"]);
    }

    private string DumpTwo()
    {
        string path = _tmp.Combine("dump.pkl");
        var metric = new Kiln.Evaluation.DumpResults(path);
        metric.Process(new Kiln.Structures.DataBatch([], []),
            [new Kiln.Structures.DataSample { GtLabel = 0, PredScore = [0.9f, 0.1f] }, new Kiln.Structures.DataSample { GtLabel = 1, PredScore = [0.2f, 0.8f] }]);
        metric.Evaluate(2);
        return path;
    }
}

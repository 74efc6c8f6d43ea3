using Kiln.Logging;

namespace Kiln.Tests.Logging;

/// <summary>Log-line formats of MMEngine's LogProcessor (LOG-01, LOG-02; test_log_processor.py, internals §1.7).</summary>
public class LogProcessorTests
{
    private static FakeRunnerContext Runner()
    {
        var runner = new FakeRunnerContext { Epoch = 1, MaxEpochs = 10, Iter = 10, MaxIters = 50 };
        runner.Hub.UpdateScalar("train/lr", 0.1);
        runner.Hub.UpdateScalar("train/data_time", 1.0);
        runner.Hub.UpdateScalar("train/loss_cls", 1.0);
        runner.Hub.UpdateScalar("train/time", 1.0);
        runner.Hub.UpdateInfo("eta", 40.0);
        return runner;
    }

    [Fact]
    public void GetLogAfterIter_TrainByEpoch_MatchesMMEnginesLine()
    {
        var (tag, line) = new LogProcessor().GetLogAfterIter(Runner(), batchIndex: 1, mode: "train");
        // test_log_processor.py's expected line (without the CUDA-only memory field).
        Assert.Equal("Epoch(train)  [2][ 2/20]  lr: 1.0000e-01  eta: 0:00:40  time: 1.0000  data_time: 1.0000  loss_cls: 1.0000", line);
        Assert.Equal(2, tag["epoch"]);
        Assert.Equal(11, tag["iter"]);
        Assert.Equal(0.1, tag["lr"]);
    }

    [Fact]
    public void GetLogAfterIter_TrainByIter_UsesGlobalIteration()
    {
        var (_, line) = new LogProcessor(byEpoch: false).GetLogAfterIter(Runner(), batchIndex: 1, mode: "train");
        Assert.Equal("Iter(train) [11/50]  lr: 1.0000e-01  eta: 0:00:40  time: 1.0000  data_time: 1.0000  loss_cls: 1.0000", line);
    }

    [Fact]
    public void GetLogAfterIter_Val_ShowsOnlyTimesAndValLosses()
    {
        var runner = Runner();
        runner.Hub.UpdateScalar("val/data_time", 0.5);
        runner.Hub.UpdateScalar("val/time", 0.25);
        runner.Hub.UpdateScalar("val/accuracy", 90);
        var (_, line) = new LogProcessor().GetLogAfterIter(runner, batchIndex: 4, mode: "val");
        Assert.Equal("Epoch(val)  [1][ 5/10]    eta: 0:00:40  time: 0.2500  data_time: 0.5000  ", line);
    }

    [Fact]
    public void GetLogAfterEpoch_Val_MetricsThenEpochMeanTimes()
    {
        var runner = Runner();
        for (int i = 0; i < 10; i++)
        {
            runner.Hub.UpdateScalar("val/data_time", i < 5 ? 1.0 : 0.0);
            runner.Hub.UpdateScalar("val/time", 2.0);
        }
        runner.Hub.UpdateScalar("val/accuracy", 0.9);
        var (tag, line) = new LogProcessor().GetLogAfterEpoch(runner, batchIndex: 9, mode: "val");
        Assert.Equal("Epoch(val) [1][10/10]    accuracy: 0.9000  data_time: 0.5000  time: 2.0000", line);
        Assert.Equal(new[] { "accuracy", "data_time", "time" }, tag.Keys);
    }

    [Fact]
    public void GetLogAfterEpoch_Test_HasNoEpoch()
    {
        var runner = Runner();
        runner.Hub.UpdateScalar("test/accuracy", 0.5);
        Assert.Equal("Epoch(test) [5/5]    accuracy: 0.5000", new LogProcessor().GetLogAfterEpoch(runner, 4, "test").Line);
        Assert.Equal("Iter(test) [5/5]    accuracy: 0.5000", new LogProcessor(byEpoch: false).GetLogAfterEpoch(runner, 4, "test").Line);
    }

    [Theory]
    [InlineData(0, "0:00:00")]
    [InlineData(20.9, "0:00:20")]
    [InlineData(3725, "1:02:05")]
    [InlineData(90061, "1 day, 1:01:01")]
    [InlineData(2 * 86400 + 5, "2 days, 0:00:05")]
    public void FormatTimeDelta_MatchesPythonTimedelta(double seconds, string expected)
    {
        Assert.Equal(expected, LogProcessor.FormatTimeDelta(seconds));
    }
}

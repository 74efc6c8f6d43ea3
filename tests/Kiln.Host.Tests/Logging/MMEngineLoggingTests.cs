using System.Text.RegularExpressions;
using Kiln.Config;
using Kiln.Logging;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Logging;

/// <summary>
/// LOG-01..LOG-06: MMEngine's test_history_buffer.py, test_message_hub.py and test_log_processor.py expectations
/// (custom statistics, update_scalars, the 12 header combinations, custom_cfg, log_with_hierarchy, non-scalar infos).
/// </summary>
public sealed class MMEngineLoggingTests
{
    // ---- HistoryBuffer ----

    [Fact]
    public void HistoryBuffer_FromHistories_KeepsTheNewestMaxLength_MismatchIsError()
    {
        var logs = Enumerable.Range(0, 11).Select(i => (double)i).ToArray();
        var buffer = new HistoryBuffer(logs, Enumerable.Repeat(1, 11).ToArray(), maxLength: 10);
        Assert.Equal(10, buffer.Count);
        Assert.Equal(1.0, buffer.Data().Values[0]);   // log_history[0] == logs[1]
        Assert.Throws<ArgumentException>(() => new HistoryBuffer([1.0, 2.0], [1]));
    }

    [Fact]
    public void HistoryBuffer_Statistics_ByName_UnknownIsError_CustomRegistered()
    {
        var buffer = new HistoryBuffer([1.0, 2.0, 3.0, 4.0, 5.0], [1, 1, 1, 1, 1]);
        Assert.Equal(3.0, buffer.Statistics("mean"));
        Assert.Equal(4.5, buffer.Statistics("mean", 2));
        Assert.Equal(1.0, buffer.Statistics("min"));
        Assert.Equal(5.0, buffer.Statistics("max"));
        Assert.Equal(5.0, buffer.Statistics("current"));
        Assert.Contains("has not been registered", Assert.Throws<KeyNotFoundException>(() => buffer.Statistics("unknown")).Message);

        HistoryBuffer.RegisterStatistics("range_for_test", (b, w) => b.Max(w) - b.Min(w));
        Assert.Equal(4.0, buffer.Statistics("range_for_test"));
        Assert.Equal(1.0, buffer.Statistics("range_for_test", 2));
        Assert.Throws<InvalidOperationException>(() => HistoryBuffer.RegisterStatistics("range_for_test", (b, w) => 0));
    }

    // ---- MessageHub ----

    [Fact]
    public void MessageHub_UpdateScalars_NumbersTensorsAndValueCountDicts()
    {
        var hub = new MessageHub();
        using var scope = torch.NewDisposeScope();
        hub.UpdateScalars(new Dictionary<string, object?>
        {
            ["loss"] = 1L,
            ["loss_cls"] = torch.tensor(2.0f),
            ["loss_bbox"] = 3.0,
            ["loss_iou"] = new Dictionary<string, object?> { ["value"] = 1L, ["count"] = 2L },
        });
        Assert.Equal(1.0, hub.GetScalar("loss").Current);
        Assert.Equal(2.0, hub.GetScalar("loss_cls").Current);
        Assert.Equal(3.0, hub.GetScalar("loss_bbox").Current);
        Assert.Equal(0.5, hub.GetScalar("loss_iou").Mean());
        Assert.Throws<ArgumentException>(() => hub.UpdateScalars(new Dictionary<string, object?> { ["a"] = new Dictionary<string, object?> { ["count"] = 1L } }));
        Assert.Throws<ArgumentException>(() => hub.UpdateScalars(new Dictionary<string, object?> { ["b"] = torch.ones(2) }));
    }

    [Fact]
    public void MessageHub_ResumedFlagFixedPerKey_StateDictKeepsResumedOnly_UnknownInfoIsNull()
    {
        var hub = new MessageHub();
        hub.UpdateScalar("lr", 0.1, resumed: false);
        hub.UpdateScalar("loss", 1.0);
        Assert.Throws<InvalidOperationException>(() => hub.UpdateScalar("lr", 0.2, resumed: true));
        var state = MessageHubState.ToStateDict(hub);
        var scalars = (Kiln.Checkpoints.PyDict)state["log_scalars"]!;
        Assert.True(scalars.ContainsKey("loss"));
        Assert.False(scalars.ContainsKey("lr"));
        Assert.Null(hub.GetInfo("nothing"));
        Assert.Throws<KeyNotFoundException>(() => hub.GetScalar("nothing"));
    }

    // ---- LogProcessor (test_log_processor.py's mock runner: epoch 1/10, iter 10/50, loaders 20/10/5) ----

    private static FakeRunnerContext Runner(string mode, bool withLr)
    {
        var runner = new FakeRunnerContext { Epoch = 1, MaxEpochs = 10, Iter = 10, MaxIters = 50 };
        if (withLr) runner.Hub.UpdateScalar($"{mode}/lr", 0.1);
        runner.Hub.UpdateScalar($"{mode}/time", 1.0);
        runner.Hub.UpdateScalar($"{mode}/data_time", 1.0);
        runner.Hub.UpdateScalar($"{mode}/loss_cls", 1.0);
        runner.Hub.UpdateInfo("eta", 40L);
        return runner;
    }

    [Theory]
    [InlineData(true, "train", "Epoch(train)  [2][ 2/20]  lr: 1.0000e-01  eta: 0:00:40  time: 1.0000  data_time: 1.0000  loss_cls: 1.0000")]
    [InlineData(false, "train", "Iter(train) [11/50]  lr: 1.0000e-01  eta: 0:00:40  time: 1.0000  data_time: 1.0000  loss_cls: 1.0000")]
    [InlineData(true, "val", "Epoch(val)  [1][ 2/10]    eta: 0:00:40  time: 1.0000  data_time: 1.0000  ")]
    [InlineData(false, "val", "Iter(val) [ 2/10]    eta: 0:00:40  time: 1.0000  data_time: 1.0000  ")]
    [InlineData(true, "test", "Epoch(test) [2/5]    eta: 0:00:40  time: 1.0000  data_time: 1.0000  ")]
    [InlineData(false, "test", "Iter(test) [2/5]    eta: 0:00:40  time: 1.0000  data_time: 1.0000  ")]
    public void GetLogAfterIter_TwelveCombinations_MatchMMEngine(bool byEpoch, string mode, string expected)
    {
        foreach (bool hierarchy in new[] { true, false })
        {
            var (tag, line) = new LogProcessor(byEpoch: byEpoch, logWithHierarchy: hierarchy).GetLogAfterIter(Runner(mode, mode == "train"), 1, mode);
            Assert.Equal(expected, line);
            Assert.Equal(hierarchy, tag.ContainsKey($"{mode}/time"));
            Assert.Equal(!hierarchy, tag.ContainsKey("time"));
            Assert.Equal(11, tag["iter"]);
        }
    }

    [Fact]
    public void CheckCustomCfg_EpochWindowWithoutByEpoch_DuplicateNames_AreErrors()
    {
        static ConfigDict C(params (string Key, object? Value)[] items)
        {
            var d = new ConfigDict();
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }
        Assert.Contains("window_size cannot be epoch", Assert.Throws<KilnException>(() =>
            new LogProcessor(byEpoch: false, customCfg: [C(("data_src", "loss"), ("window_size", "epoch"), ("method_name", "mean"))])).Message);
        Assert.Contains("Found duplicate loss_1", Assert.Throws<KilnException>(() =>
            new LogProcessor(customCfg: [C(("data_src", "loss"), ("log_name", "loss_1")), C(("data_src", "loss"), ("log_name", "loss_1"))])).Message);
        Assert.Contains("Found duplicate loss", Assert.Throws<KilnException>(() =>
            new LogProcessor(customCfg: [C(("data_src", "loss")), C(("data_src", "loss"))])).Message);
        Assert.Contains("window_size should be int, epoch or global", Assert.Throws<KilnException>(() =>
            new LogProcessor(customCfg: [C(("data_src", "loss"), ("window_size", new List<object?>()), ("method_name", "mean"))])).Message);
        _ = new LogProcessor(customCfg:
        [
            C(("data_src", "loss_cls"), ("window_size", 100L), ("method_name", "min")),
            C(("data_src", "loss"), ("log_name", "loss_min"), ("method_name", "max")),
            C(("data_src", "loss"), ("log_name", "loss_max"), ("method_name", "max")),
        ]);
    }

    [Fact]
    public void CollectScalars_CustomCfg_TimeMaxAfterDefaults_ValMetricIsCurrent()
    {
        var runner = new FakeRunnerContext { Epoch = 1, MaxEpochs = 10, Iter = 10, MaxIters = 50 };
        var random = new Random(0);
        var time = Enumerable.Range(0, 100).Select(_ => random.NextDouble()).ToArray();
        var loss = Enumerable.Range(0, 100).Select(_ => random.NextDouble()).ToArray();
        var metric = Enumerable.Range(0, 100).Select(_ => random.NextDouble()).ToArray();
        for (int i = 0; i < 100; i++)
        {
            runner.Hub.UpdateScalar("train/time", time[i]);
            runner.Hub.UpdateScalar("lr", 0.1);
            runner.Hub.UpdateScalar("train/loss_cls", loss[i]);
            runner.Hub.UpdateScalar("val/metric", metric[i]);
        }
        var processor = new LogProcessor(customCfg: [new ConfigDict { ["data_src"] = "time", ["method_name"] = "max", ["log_name"] = "time_max" }]);
        var (tag, line) = processor.GetLogAfterIter(runner, 1, "train");
        Assert.Equal(["time", "loss_cls", "time_max", "epoch", "iter"], tag.Keys);
        Assert.Equal(time[^10..].Average(), (double)tag["time"], 12);
        Assert.Equal(time.Max(), (double)tag["time_max"]);
        Assert.Equal(loss[^10..].Average(), (double)tag["loss_cls"], 12);
        Assert.EndsWith($"  time_max: {time.Max():F4}", line);   // no data_time, so time stays among the items

        var (valTag, _) = processor.GetLogAfterEpoch(runner, 9, "val");
        Assert.Equal(metric[^1], (double)valTag["metric"]);
    }

    [Fact]
    public void CustomCfg_EpochAndGlobalWindows_AndHierarchyNames()
    {
        var runner = new FakeRunnerContext { Epoch = 1, MaxEpochs = 10, Iter = 10, MaxIters = 50 };
        for (int i = 1; i <= 20; i++) runner.Hub.UpdateScalar("train/loss", i);
        var processor = new LogProcessor(customCfg:
        [
            new ConfigDict { ["data_src"] = "loss", ["log_name"] = "loss_epoch", ["method_name"] = "mean", ["window_size"] = "epoch" },
            new ConfigDict { ["data_src"] = "loss", ["log_name"] = "loss_global", ["method_name"] = "mean", ["window_size"] = "global" },
        ], logWithHierarchy: true);
        var (tag, line) = processor.GetLogAfterIter(runner, 1, "train");
        Assert.Equal(19.5, tag["train/loss_epoch"]);          // last batch_idx + 1 = 2 values
        Assert.Equal(15.0, tag["train/loss_global"]);         // last iter + 1 = 11 values: 10..20
        Assert.Equal(15.5, tag["train/loss"]);                // default window 10
        Assert.Equal("Epoch(train)  [2][ 2/20]    loss: 15.5000  loss_epoch: 19.5000  loss_global: 15.0000", line);
    }

    [Fact]
    public void GetLogAfterEpoch_NonScalarInfos_BetweenMetricsAndTimes()
    {
        foreach (var (byEpoch, mode, header) in new[] { (true, "val", "Epoch(val) [1][10/10]    "), (true, "test", "Epoch(test) [5/5]    "), (false, "val", "Iter(val) [10/10]    "), (false, "test", "Iter(test) [5/5]    ") })
        {
            var runner = new FakeRunnerContext { Epoch = 1, MaxEpochs = 10, Iter = 10, MaxIters = 50 };
            runner.Hub.UpdateScalar($"{mode}/accuracy", 0.9);
            runner.Hub.UpdateScalar($"{mode}/data_time", 1.0);
            runner.Hub.UpdateInfo($"{mode}/recall", new Dictionary<string, object?> { ["cat"] = 1L, ["dog"] = 0L });
            var (tag, line) = new LogProcessor(byEpoch: byEpoch).GetLogAfterEpoch(runner, 2, mode);
            Assert.Equal(header + "accuracy: 0.9000  recall: {'cat': 1, 'dog': 0}  data_time: 1.0000", line);
            Assert.False(tag.ContainsKey("recall"));
            Assert.True(new LogProcessor(byEpoch: byEpoch).GetLogAfterEpoch(runner, 2, mode, withNonScalar: true).Tag.ContainsKey("recall"));
        }
    }
}

/// <summary>
/// LOG-01/LOG-02: the log lines of a short toy run compared character for character with MMEngine's formats
/// (mmengine-internals §1.7, §4.2); only the eta and time numbers are matched by pattern. The loss values are the
/// message hub's history averaged over MMEngine's window of 10.
/// </summary>
public sealed class ToyRunLogLineTests : ToyRunnerTest
{
    private const string Eta = "@ETA@";
    private const string Time = "@T@";

    private static Regex Pattern(string expected) => new("^" + Regex.Escape(expected)
        .Replace(Regex.Escape(Eta), @"\d+:\d{2}:\d{2}", StringComparison.Ordinal)
        .Replace(Regex.Escape(Time), @"\d+\.\d{4}", StringComparison.Ordinal) + "$");

    private static List<string> Messages(string workDir)
    {
        var prefix = new Regex(@"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} - kiln - INFO - (?<m>(Epoch|Iter)\(.*)$");
        return File.ReadAllLines(Directory.GetFiles(workDir, "*.log", SearchOption.AllDirectories).Single())
            .Select(l => prefix.Match(l)).Where(m => m.Success).Select(m => m.Groups["m"].Value).ToList();
    }

    private static string Mean(double[] losses, int upTo) =>
        losses[Math.Max(0, upTo - 10)..upTo].Average().ToString("F4", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void EpochBased_TrainValLines_CharacterForCharacter()
    {
        using var runner = Toy.Create(ToyRunner.EpochBasedConfig(Tmp.Path));
        runner.Train();
        var losses = ((HistoryBuffer)runner.MessageHub.GetScalar("train/loss")).Data().Values;
        var expected = new List<string>();
        int k = 0;
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            for (int i = 1; i <= 4; i++)
                expected.Add($"Epoch(train) [{epoch}][{i}/4]  lr: 1.0000e-01  eta: {Eta}  time: {Time}  data_time: {Time}  loss: {Mean(losses, ++k)}");
            for (int i = 1; i <= 4; i++)
                expected.Add($"Epoch(val) [{epoch}][{i}/4]    eta: {Eta}  time: {Time}  data_time: {Time}  ");
            expected.Add($"Epoch(val) [{epoch}][4/4]    acc: 1.0000  data_time: {Time}  time: {Time}");
        }
        var actual = Messages(Tmp.Path);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Pattern(expected[i]).IsMatch(actual[i]), $"line {i}:\n expected {expected[i]}\n actual   {actual[i]}");
    }

    [Fact]
    public void IterBased_TrainValLines_CharacterForCharacter()
    {
        using var runner = Toy.Create(ToyRunner.IterBasedConfig(Tmp.Path));
        runner.Train();
        var losses = ((HistoryBuffer)runner.MessageHub.GetScalar("train/loss")).Data().Values;
        var expected = new List<string>();
        for (int it = 1; it <= 12; it++)
        {
            expected.Add($"Iter(train) [{it,2}/12]  lr: 1.0000e-01  eta: {Eta}  time: {Time}  data_time: {Time}  loss: {Mean(losses, it)}");
            if (it % 4 != 0) continue;
            for (int i = 1; i <= 4; i++) expected.Add($"Iter(val) [{i}/4]    eta: {Eta}  time: {Time}  data_time: {Time}  ");
            expected.Add($"Iter(val) [4/4]    acc: 1.0000  data_time: {Time}  time: {Time}");
        }
        var actual = Messages(Tmp.Path);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Pattern(expected[i]).IsMatch(actual[i]), $"line {i}:\n expected {expected[i]}\n actual   {actual[i]}");
    }
}
